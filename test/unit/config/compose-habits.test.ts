/** What real stacks needed, and what Compose users write first. */
import { describe, expect, it } from 'vitest';
import { container, loadYaml, postgres, problems } from './helpers.js';

describe('depends_on', () => {
  it('takes Compose\'s map form and conditions; a list waits for health', async () => {
    const project = await loadYaml(`services:
  db: { postgres: {} }
  cache: { image: redis:7 }
  migrate: { image: x, oneshot: true }
  app:
    image: x
    depends_on:
      db: { condition: service_healthy }
      cache: { condition: service_started }
      migrate: { condition: service_completed_successfully }
  worker: { image: x, depends_on: [app] }
`);
    expect(container(project, 'app').dependsOn).toEqual([
      { service: 'db', condition: 'healthy' },
      { service: 'cache', condition: 'started' },
      { service: 'migrate', condition: 'completed' },
    ]);
    expect(container(project, 'worker').dependsOn).toEqual([{ service: 'app', condition: 'healthy' }]);
  });

  it('reads service_completed_successfully as making its target a one-shot, as Compose does', async () => {
    const project = await loadYaml('services:\n  seed: { image: x, ports: [3000] }\n  app: { image: x, depends_on: { seed: { condition: service_completed_successfully } } }\n');
    expect(container(project, 'seed')).toMatchObject({ oneshot: true, health: { type: 'none' } });
  });

  it('refuses what cannot work, pointing at the entry', async () => {
    expect(await problems(`services:
  db: { postgres: {} }
  app:
    image: x
    depends_on:
      db: { condition: service_completed_successfully }
      nope: { condition: service_started }
`)).toEqual([
      'devenv.yml:6:24 services.app.depends_on.db.condition: db is a Postgres service, which never completes; use service_healthy',
      'devenv.yml:7:7 services.app.depends_on.nope: unknown service "nope"; the services are db, app',
    ]);
    expect(await problems('services:\n  app: { image: x, depends_on: { app2: { condition: service_ready } } }\n  app2: { image: x }\n')).toEqual([
      'devenv.yml:2:53 services.app.depends_on.app2.condition: expected one of service_started, service_healthy, service_completed_successfully, got "service_ready"',
    ]);
  });
});

describe('one-shot services', () => {
  it('cannot restart always or have a health check', async () => {
    expect(await problems('services:\n  job: { image: x, oneshot: true, restart: always, health: { tcp: 80 } }\n')).toEqual([
      'devenv.yml:2:44 services.job.restart: a oneshot service runs to completion; restart: always would run it forever',
      'devenv.yml:2:52 services.job.health: a oneshot service has no health check: it succeeds when it exits 0',
    ]);
  });
});

describe('aliases', () => {
  it('adds names on the project network, Postgres included', async () => {
    const project = await loadYaml('services:\n  database: { postgres: {}, aliases: [postgres, pg] }\n  app: { image: x, aliases: [web] }\n');
    expect(postgres(project, 'database').aliases).toEqual(['postgres', 'pg']);
    expect(container(project, 'app').aliases).toEqual(['web']);
  });

  it('must not take a name another service or alias has', async () => {
    expect(await problems('services:\n  db: { postgres: {} }\n  app: { image: x, aliases: [db] }\n  web: { image: x, aliases: [api] }\n  api2: { image: x, aliases: [api] }\n')).toEqual([
      'devenv.yml:3:30 services.app.aliases[0]: "db" already names the service db; each name on the project network must be unique',
      'devenv.yml:5:31 services.api2.aliases[0]: "api" already names an alias of web; each name on the project network must be unique',
    ]);
  });
});

describe('a second service from the same build', () => {
  it('names it with ${web.image}, or with the tag the build produces', async () => {
    const project = await loadYaml(`name: shop
services:
  web: { build: ., image: shop/web:dev }
  worker: { image: "\${web.image}", command: node worker.js }
  jobs: { image: shop/web:dev }
  cache: { image: redis:7 }
`, { files: { Dockerfile: '' } });
    expect(container(project, 'worker')).toMatchObject({ buildFrom: 'web', image: 'shop/web:dev' });
    expect(container(project, 'jobs')).toMatchObject({ buildFrom: 'web' });
    expect(container(project, 'cache').buildFrom).toBeUndefined();
  });

  it('refuses ${x.image} on a service that has build itself', async () => {
    expect(await problems('services:\n  web: { build: ., image: "${api.image}" }\n  api: { build: . }\n', { files: { Dockerfile: '' } })).toEqual([
      'devenv.yml:2:27 services.web.image: a service with build names the tag of its own image; ${service.image} is for a service that runs another one\'s build',
    ]);
  });

  it('refuses a one-shot target that restarts always', async () => {
    expect(await problems('services:\n  seed: { image: x, restart: always }\n  app: { image: x, depends_on: { seed: { condition: service_completed_successfully } } }\n')).toEqual([
      'devenv.yml:3:53 services.app.depends_on.seed.condition: seed has restart: always, so it never completes; use service_started or service_healthy',
    ]);
  });

  it('refuses ${x.image} when x has no build, and other references in image', async () => {
    expect(await problems('services:\n  db: { postgres: {} }\n  web: { image: x }\n  worker: { image: "${web.image}" }\n')).toEqual([
      'devenv.yml:4:20 services.worker.image: ${web.image}: "web" is not a service with build',
    ]);
    expect(await problems('services:\n  db: { postgres: {} }\n  other: { image: "${db.url}" }\n')).toEqual([
      'devenv.yml:3:19 services.other.image: the reference ${db.url} is only allowed in env values; in image, ${service.image} names another service\'s built image',
    ]);
  });
});

describe('Compose habits', () => {
  it('point a Compose field at what devenv.yml calls it', async () => {
    expect(await problems(`services:
  db:
    postgres: {}
    environment: { POSTGRES_PASSWORD: x }
    volumes: [data:/var/lib/postgresql/data]
  app:
    image: x
    environment: { A: b }
    healthcheck: { test: [CMD, true] }
    container_name: app
`)).toEqual([
      'devenv.yml:4:5 services.db.environment: unknown field "environment": a Postgres service takes postgres.user, postgres.password and postgres.database',
      'devenv.yml:5:5 services.db.volumes: unknown field "volumes": a Postgres service keeps its data in the volume <project>-<service>-data; postgres.init runs files on a fresh volume',
      'devenv.yml:8:5 services.app.environment: unknown field "environment": devenv calls it "env" (a map of KEY: value)',
      'devenv.yml:9:5 services.app.healthcheck: unknown field "healthcheck": devenv calls it "health": { http: /path }, { tcp: port } or { command: [...] }, with interval and timeout',
      'devenv.yml:10:5 services.app.container_name: unknown field "container_name": devenv names containers <project>-<service>; "aliases" gives a service more names on the project network',
    ]);
  });

  it('lets a Postgres service restart, take server flags, and stop within its own timeout', async () => {
    const project = await loadYaml('services:\n  db:\n    postgres: {}\n    restart: always\n    command: ["-c", "fsync=off"]\n    stop_timeout: 30s\n');
    expect(postgres(project, 'db')).toMatchObject({ restart: { policy: 'always', maxRestarts: 0 }, command: ['-c', 'fsync=off'], stopTimeoutMs: 30_000 });
  });
});

describe('YAML shared settings', () => {
  it('applies merge keys and ignores x- extension fields, as Compose does', async () => {
    const project = await loadYaml(`x-common: &common
  image: busybox
  env: { LOG: debug }
services:
  a: { <<: *common, command: sleep 10 }
  b:
    <<: *common
    x-note: only for people
    env: { LOG: info }
`);
    expect(container(project, 'a')).toMatchObject({ image: 'busybox', env: { LOG: ['debug'] }, command: ['sh', '-c', 'sleep 10'] });
    expect(container(project, 'b')).toMatchObject({ image: 'busybox', env: { LOG: ['info'] } });
  });

  it('an x- block may hold ${db.url}: it is checked and resolved where an alias puts it under env', async () => {
    const project = await loadYaml(`x-env: &env
  DATABASE_URL: \${db.url}
  LOG: debug
services:
  db: { postgres: {} }
  a: { image: busybox, env: *env }
  b:
    image: busybox
    env:
      <<: *env
      PORT: "3000"
`);
    const url = [{ service: 'db', field: 'url' }];
    expect(container(project, 'a').env).toEqual({ DATABASE_URL: url, LOG: ['debug'] });
    expect(container(project, 'b').env).toEqual({ DATABASE_URL: url, LOG: ['debug'], PORT: ['3000'] });
    // Used where references are not allowed, it is still refused there, by that place's path.
    await expect(loadYaml('x-c: &c\n  image: \${db.url}\nservices:\n  db: { postgres: {} }\n  a: { <<: *c }\n')).rejects.toThrow(/services\.a\.image: the reference \$\{db\.url\}/);
  });
});

describe('working_dir', () => {
  it('sets the folder the command runs in, counts in the container\'s config, and must be absolute', async () => {
    const project = await loadYaml('services:\n  app: { image: x, command: npm run dev, working_dir: /app }\n  other: { image: x }\n');
    expect(container(project, 'app').workingDir).toBe('/app');
    const { desiredContainer } = await import('../../../src/engine/service-spec.js');
    const app = desiredContainer(project, container(project, 'app'));
    expect(app.spec.workingDir).toBe('/app');
    expect(Object.keys(app.fields)).toContain('working_dir');
    // Unset, nothing changes for containers made before the field existed.
    expect(Object.keys(desiredContainer(project, container(project, 'other')).fields)).not.toContain('working_dir');
    expect(await problems('services:\n  app: { image: x, working_dir: app }\n')).toEqual([
      'devenv.yml:2:33 services.app.working_dir: expected an absolute path in the container, such as /app, got "app"',
    ]);
  });
});
