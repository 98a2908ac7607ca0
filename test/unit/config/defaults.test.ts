import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { container, loadYaml, postgres, problems, tempProject } from './helpers.js';

describe('defaults', () => {
  it('derives the project name from the folder', async () => {
    expect((await loadYaml('services: {c: {image: x}}', { folder: 'My Shop.v2' })).name).toBe('my-shop-v2');
    expect((await loadYaml('services: {c: {image: x}}', { folder: '--Calsite_App--' })).name).toBe('calsite_app');
    expect((await loadYaml('name: other\nversion: 1\nservices: {c: {image: x}}', { folder: 'Whatever' })).name).toBe('other');
  });

  it('lets -p/--project replace the name and every name derived from it', async () => {
    const { loadProject } = await import('../../../src/config/load-project.js');
    const { tempProject } = await import('./helpers.js');
    const dir = tempProject({ 'devenv.yml': 'name: shop\nservices:\n  db: { postgres: {} }\n  app: { build: ., volumes: ["data:/data"] }\n', Dockerfile: '' });
    const project = await loadProject({ cwd: dir, env: {}, persistSecrets: false, projectName: 'shop-2' });
    expect(project.name).toBe('shop-2');
    expect(postgres(project, 'db').database).toBe('shop-2');
    expect(container(project, 'app').image).toBe('shop-2-app:devenv');
    expect(container(project, 'app').volumes[0]?.source).toBe('shop-2-data');
    await expect(loadProject({ cwd: dir, env: {}, persistSecrets: false, projectName: 'Bad Name' })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('fills every Postgres default', async () => {
    const project = await loadYaml('services:\n  db:\n    postgres:\n', { folder: 'shop' });
    expect(postgres(project, 'db')).toEqual({
      kind: 'postgres',
      name: 'db',
      dependsOn: [],
      aliases: [],
      restart: { policy: 'no', maxRestarts: 0 },
      stopTimeoutMs: 10_000,
      image: 'postgres:15',
      version: '15',
      database: 'shop',
      user: 'postgres',
      password: '',
      passwordGenerated: true,
      hostPort: 0,
      init: [],
      readyTimeoutMs: 60_000,
    });
  });

  it('takes Postgres settings as written', async () => {
    const yaml = `services:
  db:
    postgres: { version: 16, database: app, user: me, password: 1234, port: "5433", init: ./init.sql }
    health: { timeout: 2m }
  db2:
    postgres: { image: "postgis/postgis:16-3.4", version: "16" }
`;
    const project = await loadYaml(yaml, { files: { 'init.sql': '' } });
    const db = postgres(project, 'db');
    expect(db).toMatchObject({ image: 'postgres:16', version: '16', database: 'app', user: 'me', password: '1234', passwordGenerated: false, hostPort: 5433, readyTimeoutMs: 120_000 });
    expect(db.init).toEqual([path.join(project.dir, 'init.sql')]);
    expect(postgres(project, 'db2').image).toBe('postgis/postgis:16-3.4');
  });

  it('fills every container default', async () => {
    const project = await loadYaml('services:\n  cache:\n    image: redis:7\n');
    expect(container(project, 'cache')).toEqual({
      kind: 'container',
      name: 'cache',
      dependsOn: [],
      aliases: [],
      oneshot: false,
      image: 'redis:7',
      ports: [],
      env: {},
      volumes: [],
      health: { type: 'none' },
      restart: { policy: 'no', maxRestarts: 0 },
      stopTimeoutMs: 10_000,
    });
  });

  it('builds: a folder or an object, tagged <project>-<service>:devenv unless image is set', async () => {
    const yaml = `name: shop
services:
  api: { build: ./api }
  web:
    build: { context: web, dockerfile: docker/Dockerfile.dev, target: dev, args: { NODE: 20, DEBUG: true } }
    image: shop/web:dev
`;
    const project = await loadYaml(yaml, { files: { 'api/Dockerfile': 'FROM x', 'web/docker/Dockerfile.dev': 'FROM x' } });
    expect(container(project, 'api').build).toEqual({ context: path.join(project.dir, 'api'), dockerfile: 'Dockerfile', args: {} });
    expect(container(project, 'api').image).toBe('shop-api:devenv');
    expect(container(project, 'web').build).toEqual({
      context: path.join(project.dir, 'web'),
      dockerfile: 'docker/Dockerfile.dev',
      target: 'dev',
      args: { NODE: '20', DEBUG: 'true' },
    });
    expect(container(project, 'web').image).toBe('shop/web:dev');
  });

  it('turns a string command into sh -c and keeps a list', async () => {
    const project = await loadYaml('services:\n  a: { image: x, command: "echo hi && sleep 1" }\n  b: { image: x, command: [node, server.js] }\n');
    expect(container(project, 'a').command).toEqual(['sh', '-c', 'echo hi && sleep 1']);
    expect(container(project, 'b').command).toEqual(['node', 'server.js']);
  });

  it('publishes ports on 127.0.0.1 in every documented form', async () => {
    const yaml = `services:
  a: { image: x, port: 3000 }
  b: { image: x, ports: [3001, "3002", "8080:80", "127.0.0.1:8081:81", "localhost:8082:82", "0:83", "53/udp", "127.0.0.1::84"] }
`;
    const project = await loadYaml(yaml);
    const m = (hostPort: number, containerPort: number, protocol = 'tcp') => ({ hostIp: '127.0.0.1', hostPort, containerPort, protocol });
    expect(container(project, 'a').ports).toEqual([m(3000, 3000)]);
    expect(container(project, 'b').ports).toEqual([m(3001, 3001), m(3002, 3002), m(8080, 80), m(8081, 81), m(8082, 82), m(0, 83), m(53, 53, 'udp'), m(0, 84)]);
  });

  it('defaults health to tcp on the first port and fills intervals and timeouts', async () => {
    const yaml = `services:
  a: { image: x, ports: ["8080:80", 81] }
  b: { image: x, port: 3000, health: { http: /health } }
  c: { image: x, ports: [3001, 9000], health: { http: /up, port: 9000, interval: 500ms, timeout: 5 } }
  d: { image: x, health: { command: pg_isready, interval: 0.25, timeout: "1.5s" } }
  e: { image: x, health: { command: [curl, -f, localhost] } }
  f: { image: x, ports: [7000], health: { tcp: 7000, timeout: 1h } }
`;
    const project = await loadYaml(yaml);
    expect(container(project, 'a').health).toEqual({ type: 'tcp', port: 80, intervalMs: 100, timeoutMs: 60_000 });
    expect(container(project, 'b').health).toEqual({ type: 'http', path: '/health', port: 3000, intervalMs: 100, timeoutMs: 60_000 });
    expect(container(project, 'c').health).toEqual({ type: 'http', path: '/up', port: 9000, intervalMs: 500, timeoutMs: 5000 });
    expect(container(project, 'd').health).toEqual({ type: 'command', command: ['sh', '-c', 'pg_isready'], intervalMs: 250, timeoutMs: 1500 });
    expect(container(project, 'e').health).toEqual({ type: 'command', command: ['curl', '-f', 'localhost'], intervalMs: 100, timeoutMs: 60_000 });
    expect(container(project, 'f').health).toEqual({ type: 'tcp', port: 7000, intervalMs: 100, timeoutMs: 3_600_000 });
  });

  it('mounts bind paths absolute and prefixes named volumes with the project', async () => {
    const yaml = `name: shop
services:
  a: { image: x, volumes: ["./src:/app/src", "/etc/hosts:/etc/hosts:ro", "~/.npmrc:/root/.npmrc:ro", "data:/data", "cache:/cache:rw"] }
`;
    const home = tempProject({ '.npmrc': '' }, 'home');
    const project = await loadYaml(yaml, { env: { HOME: home }, files: { 'src/': '' } });
    expect(container(project, 'a').volumes).toEqual([
      { type: 'bind', source: path.join(project.dir, 'src'), target: '/app/src', readOnly: false },
      { type: 'bind', source: '/etc/hosts', target: '/etc/hosts', readOnly: true },
      { type: 'bind', source: path.join(home, '.npmrc'), target: '/root/.npmrc', readOnly: true },
      { type: 'volume', source: 'shop-data', target: '/data', readOnly: false },
      { type: 'volume', source: 'shop-cache', target: '/cache', readOnly: false },
    ]);
  });

  it('reads stop_timeout as a duration, and names a bad one', async () => {
    const project = await loadYaml('services:\n  a: { image: x, stop_timeout: 2m }\n');
    expect(container(project, 'a').stopTimeoutMs).toBe(120_000);
    expect(await problems('services:\n  a: { image: x, stop_timeout: soon }\n')).toEqual([
      expect.stringMatching(/^devenv\.yml:2:\d+ services\.a\.stop_timeout: expected a duration/),
    ]);
  });

  it('says when a bind-mount host path does not exist', async () => {
    expect(await problems('services:\n  a: { image: x, volumes: ["./nope:/data"] }\n')).toEqual([
      expect.stringMatching(/^devenv\.yml:2:\d+ services\.a\.volumes\[0\]: host path \/.*\/nope does not exist; create it, or mount a named volume \("name:\/data"\)$/),
    ]);
  });

  it('keeps restart policies and dedupes depends_on', async () => {
    const yaml = `services:
  a: { image: x, restart: always }
  b: { image: x, restart: on-failure, max_restarts: 5, depends_on: [a, a] }
`;
    const project = await loadYaml(yaml);
    expect(container(project, 'a').restart).toEqual({ policy: 'always', maxRestarts: 0 });
    expect(container(project, 'b').restart).toEqual({ policy: 'on-failure', maxRestarts: 5 });
    expect(container(project, 'b').dependsOn).toEqual([{ service: 'a', condition: 'healthy' }]);
  });

  it('merges env_file under env, as strings; non-string env values become strings', async () => {
    const yaml = `services:
  a:
    image: x
    env_file: [base.env, local.env]
    env: { PORT: 3000, DEBUG: false, NAME: app }
`;
    const files = { 'base.env': 'NAME=base\nA=1\n# comment\n\nexport B="two words"\n', 'local.env': "A=2\nC='$literal?'\n" };
    const project = await loadYaml(yaml, { files });
    expect(container(project, 'a').env).toEqual({
      NAME: ['app'],
      A: ['2'],
      B: ['two words'],
      C: ['$literal?'],
      PORT: ['3000'],
      DEBUG: ['false'],
    });
  });

  it('runs migrations in file order: run as sh -c or a list, sql as an absolute folder', async () => {
    const yaml = `services:
  db: { postgres: {} }
  app: { image: x }
migrations:
  - { name: one, run: npm run migrate, service: app }
  - { name: two, run: [node, seed.js], service: app }
  - { name: three, sql: db/sql, database: db }
`;
    const project = await loadYaml(yaml, { files: { 'db/sql/': '' } });
    expect(project.migrations).toEqual([
      { kind: 'run', name: 'one', when: 'always', service: 'app', command: ['sh', '-c', 'npm run migrate'] },
      { kind: 'run', name: 'two', when: 'always', service: 'app', command: ['node', 'seed.js'] },
      { kind: 'sql', name: 'three', when: 'always', database: 'db', dir: path.join(project.dir, 'db/sql') },
    ]);
  });
});
