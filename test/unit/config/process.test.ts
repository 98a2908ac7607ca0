/** Host processes (`process:`) and host-run migration steps, as devenv.yml says them. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadYaml, problems } from './helpers.js';

describe('process services', () => {
  it('fill every default: folder, health on the port, restart policy and limit', async () => {
    const project = await loadYaml(`services:
  db: { postgres: {} }
  web:
    process: npm run dev
    cwd: ./apps/web
    port: 3000
    env: { DATABASE_URL: "\${db.url}" }
    restart: on-failure
    depends_on: [db]
  worker: { process: [node, worker.js] }
`, { files: { 'apps/web/': '' } });
    const web = project.services.find((s) => s.name === 'web');
    expect(web).toEqual({
      kind: 'process', name: 'web', command: ['sh', '-c', 'npm run dev'], cwd: path.join(project.dir, 'apps/web'), port: 3000,
      env: { DATABASE_URL: [{ service: 'db', field: 'url' }] },
      health: { type: 'tcp', port: 3000, intervalMs: 100, timeoutMs: 60_000 },
      oneshot: false, dependsOn: [{ service: 'db', condition: 'healthy' }], aliases: [],
      restart: { policy: 'on-failure', maxRestarts: 10 }, stopTimeoutMs: 10_000,
    });
    expect(project.services.find((s) => s.name === 'worker')).toMatchObject({ command: ['node', 'worker.js'], cwd: project.dir, health: { type: 'none' } });
  });

  it('refuse what does not apply to a host process, with the line', async () => {
    expect(await problems(`services:
  web:
    process: node server.js
    image: node:20
  api:
    process: node api.js
    volumes: ["./x:/x"]
`)).toEqual([
      'devenv.yml:3:5 services.web.process: a service is one of a Postgres database (postgres), a container (image or build) or a host process (process); this one has both "image" and "process"',
      'devenv.yml:7:5 services.api.volumes: unknown field "volumes"; expected one of process, cwd, port, env, env_file, health, oneshot, depends_on, restart, max_restarts, stop_timeout',
    ]);
    const [cwd, port] = await problems('services:\n  api:\n    process: node api.js\n    cwd: ./missing\n    port: 0\n');
    expect(cwd).toMatch(/^devenv\.yml:4:10 services\.api\.cwd: folder "\.\/missing" not found \(looked for \/.*\/missing\)$/);
    expect(port).toBe('devenv.yml:5:11 services.api.port: expected a port number 1-65535 (the port the process listens on), got 0');
  });

  it('share the host port space with containers', async () => {
    expect(await problems('services:\n  web: { process: node a.js, port: 3000 }\n  app: { image: x, port: 3000 }\n')).toEqual([
      'devenv.yml:3:26 services.app.port: host port 3000 is already published by service "web"',
    ]);
  });
});

describe('host migration steps', () => {
  it('take process, cwd and env (references resolved for the host), and when: fresh for seeds', async () => {
    const project = await loadYaml(`services:
  db: { postgres: {} }
migrations:
  - { name: schema, process: npx prisma migrate deploy, env: { DATABASE_URL: "\${db.url}" } }
  - { name: seed, process: [node, seed.js], cwd: ./scripts, when: fresh }
`, { files: { 'scripts/': '' } });
    expect(project.migrations).toEqual([
      { kind: 'process', name: 'schema', when: 'always', command: ['sh', '-c', 'npx prisma migrate deploy'], cwd: project.dir, env: { DATABASE_URL: [{ service: 'db', field: 'url' }] } },
      { kind: 'process', name: 'seed', when: 'fresh', command: ['node', 'seed.js'], cwd: path.join(project.dir, 'scripts'), env: {}, database: 'db' },
    ]);
  });

  it('need a database to be fresh against when there is not exactly one', async () => {
    expect(await problems('services:\n  a: { postgres: {} }\n  b: { postgres: {} }\nmigrations:\n  - { name: seed, process: node seed.js, when: fresh }\n')).toEqual([
      'devenv.yml:5:48 migrations[0].when: when: fresh runs a step once per database: name it with database (one of a, b)',
    ]);
    expect(await problems('services:\n  a: { image: x }\nmigrations:\n  - { name: seed, process: node seed.js, when: fresh }\n')).toEqual([
      'devenv.yml:4:48 migrations[0].when: when: fresh runs a step once per database, and the project has no Postgres service',
    ]);
  });

  it('refuse a step that is two kinds, or fields of another kind', async () => {
    expect(await problems('services:\n  db: { postgres: {} }\n  app: { image: x }\nmigrations:\n  - { name: a, process: x, run: y, service: app }\n  - { name: b, run: y, service: app, cwd: . }\n')).toEqual([
      'devenv.yml:5:5 migrations[0]: a migration step is one of run (in a container), sql (a folder) or process (on the host), not run and process',
      'devenv.yml:6:38 migrations[1].cwd: cwd belongs to a process: step',
    ]);
  });

  it('take inputs relative to devenv.yml on process: and run: steps, not on sql: ones', async () => {
    const project = await loadYaml(`services:
  db: { postgres: {} }
  app: { image: x }
migrations:
  - { name: schema, process: npx knex migrate:latest, inputs: [migrations, knexfile.js] }
  - { name: seed, run: node seed.js, service: app, inputs: [./seeds] }
`, { files: { 'migrations/': '', 'knexfile.js': '', 'seeds/': '' } });
    expect(project.migrations.map((m) => (m.kind === 'sql' ? undefined : m.inputs))).toEqual([
      [path.join(project.dir, 'migrations'), path.join(project.dir, 'knexfile.js')],
      [path.join(project.dir, 'seeds')],
    ]);
    expect(await problems('services:\n  db: { postgres: {} }\nmigrations:\n  - { name: c, process: x, inputs: [] }\n')).toEqual([
      'devenv.yml:4:36 migrations[0].inputs: expected at least one path, got a list',
    ]);
    // A missing input makes the step run (the plan says so), not devenv.yml fail: `down` must still work.
    expect(await problems('services:\n  db: { postgres: {} }\nmigrations:\n  - { name: a, process: x, inputs: [migration] }\n  - { name: b, sql: ./sql, database: db, inputs: [./sql] }\n', { files: { 'sql/': '' } })).toEqual([
      'devenv.yml:5:42 migrations[1].inputs: inputs belongs to a process: or run: step',
    ]);
  });
});
