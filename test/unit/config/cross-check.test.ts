import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load-project.js';
import { container, loadError, problems, tempProject } from './helpers.js';

async function listenOn(socket: string): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, resolve);
  });
  return server;
}

describe('cross-checks', () => {
  it('rejects unknown depends_on targets, suggesting a near name', async () => {
    const yaml = 'services:\n  cache: { image: redis }\n  app: { image: x, depends_on: [cache, cahce, nope] }\n';
    expect(await problems(yaml)).toEqual([
      'devenv.yml:3:40 services.app.depends_on[1]: unknown service "cahce" — did you mean "cache"?',
      'devenv.yml:3:47 services.app.depends_on[2]: unknown service "nope"; the services are cache, app',
    ]);
  });

  it('names dependency cycles', async () => {
    const yaml = `services:
  a: { image: x, depends_on: [b] }
  b: { image: x, depends_on: [c] }
  c: { image: x, depends_on: [a] }
  d: { image: x, depends_on: [d] }
`;
    expect(await problems(yaml)).toEqual([
      'devenv.yml:2:30 services.a.depends_on: dependency cycle: a -> b -> c -> a',
      'devenv.yml:5:31 services.d.depends_on[0]: d cannot depend on itself',
    ]);
  });

  it('checks what migrations name', async () => {
    const yaml = `services:
  db: { postgres: {} }
  app: { image: x }
migrations:
  - { name: a, run: x, service: db }
  - { name: a, run: x, service: ghost }
  - { name: b, sql: sql, database: app }
  - { name: c, sql: missing, database: ghost }
  - { name: d, run: x }
  - { name: e, sql: sql }
  - { name: f, run: x, sql: sql, database: db }
`;
    const lines = await problems(yaml, { files: { 'sql/': '' } });
    expect(lines.map((line) => line.replace(/ \(looked for \/.*\/shop\/missing\)$/, ''))).toEqual([
      'devenv.yml:5:33 migrations[0].service: expected a container service (image or build), got "db" (a Postgres service)',
      'devenv.yml:6:13 migrations[1].name: duplicate migration name "a"; each step needs its own name',
      'devenv.yml:6:33 migrations[1].service: unknown service "ghost"; the services are db, app',
      'devenv.yml:7:36 migrations[2].database: expected a Postgres service, got "app" (a container service)',
      'devenv.yml:8:21 migrations[3].sql: folder "missing" not found',
      'devenv.yml:8:40 migrations[3].database: unknown service "ghost"; the services are db, app',
      'devenv.yml:9:5 migrations[4]: service is missing: the container service whose image and env run this step',
      'devenv.yml:10:16 migrations[5].sql: database is missing: the Postgres service the sql files are applied to',
      'devenv.yml:11:5 migrations[6]: a migration step is one of run (in a container), sql (a folder) or process (on the host), not run and sql',
    ]);
  });

  it('rejects two services publishing the same host port, but not port 0', async () => {
    const yaml = `services:
  db: { postgres: { port: 8080 } }
  a: { image: x, ports: ["8080:80", "0:81", "53/udp"] }
  b: { image: x, ports: ["0:81", 53, "53/udp"] }
`;
    const error = await loadError(yaml);
    expect(error.details).toEqual([
      'devenv.yml:3:26 services.a.ports[0]: host port 8080 is already published by service "db"',
      '  hint: give each published port its own host port, or 0 for any free port',
      'devenv.yml:4:38 services.b.ports[2]: host port 53 is already published by service "a"',
      '  hint: give each published port its own host port, or 0 for any free port',
    ]);
  });

  it('checks build contexts, Dockerfiles, init files and env files on disk', async () => {
    const yaml = `services:
  db: { postgres: { init: [init.sql, missing.sql] } }
  a: { build: nope }
  b: { build: . }
  c: { build: { context: ctx, dockerfile: Dockerfile.dev } }
  d: { image: x, env_file: [present.env, absent.env] }
`;
    const lines = await problems(yaml, { files: { 'init.sql': '', 'ctx/Dockerfile': '', 'present.env': 'A=1' } });
    expect(lines.map((line) => line.replace(/ \(looked for .*\)$/, ''))).toEqual([
      'devenv.yml:2:38 services.db.postgres.init[1]: file "missing.sql" not found',
      'devenv.yml:3:15 services.a.build: folder "nope" not found',
      'devenv.yml:4:15 services.b.build: file "Dockerfile" not found',
      'devenv.yml:5:43 services.c.build.dockerfile: file "ctx/Dockerfile.dev" not found',
      'devenv.yml:6:42 services.d.env_file[1]: env file "absent.env" not found',
    ]);
  });

  it('reports bad lines of an env file at their own line', async () => {
    const yaml = 'services:\n  a: { image: x, env_file: app.env }\n';
    expect(await problems(yaml, { files: { 'app.env': 'A=1\nnot a pair\nB=${NEED:?set NEED}\n' } })).toEqual([
      'app.env:2:1 line 2 is not KEY=value: it has no "="',
      'app.env:3:1 B: variable NEED is not set: set NEED',
    ]);
  });

  it('checks health ports are published and max_restarts goes with on-failure', async () => {
    const yaml = `services:
  a: { image: x, port: 3000, health: { http: /up, port: 9000 } }
  b: { image: x, port: 3002, health: { tcp: 3001 }, max_restarts: 2 }
`;
    expect(await problems(yaml)).toEqual([
      'devenv.yml:2:57 services.a.health.port: port 9000 is not published; the check runs from the host, so add it to port/ports',
      'devenv.yml:3:45 services.b.health.tcp: port 3001 is not published; the check runs from the host, so add it to port/ports',
      'devenv.yml:3:53 services.b.max_restarts: max_restarts applies only with restart: on-failure (restart is no)',
    ]);
  });

  it('accepts a unix socket, a fifo or a device as a bind-mount source (only a missing path is refused)', async () => {
    const dir = tempProject({ 'devenv.yml': `services:
  a: { image: x, volumes: ["./docker.sock:/var/run/docker.sock", "./pipe:/pipe", "/dev/null:/dev/quiet"] }
` });
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    const server = await listenOn(path.join(dir, 'docker.sock'));
    try {
      const project = await loadProject({ cwd: dir, env: {}, persistSecrets: false });
      expect(container(project, 'a').volumes).toEqual([
        { type: 'bind', source: path.join(dir, 'docker.sock'), target: '/var/run/docker.sock', readOnly: false },
        { type: 'bind', source: path.join(dir, 'pipe'), target: '/pipe', readOnly: false },
        { type: 'bind', source: '/dev/null', target: '/dev/quiet', readOnly: false },
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('says what a socket is when a file or folder was expected', async () => {
    const dir = tempProject({ 'devenv.yml': 'services:\n  db: { postgres: { init: ./init.sock } }\n' });
    const server = await listenOn(path.join(dir, 'init.sock'));
    try {
      const error = await loadProject({ cwd: dir, env: {}, persistSecrets: false }).catch((e: unknown) => e);
      expect((error as Error).message).toBe(`devenv.yml:2:27 services.db.postgres.init: file "./init.sock" is a socket, not a file (looked for ${path.join(dir, 'init.sock')})`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a Dockerfile outside the build context, naming both and what to do', async () => {
    const yaml = `services:
  a: { build: { context: app, dockerfile: ../Dockerfile } }
  b: { build: { context: app, dockerfile: DOCKERFILE_ABS } }
  c: { build: { context: ., dockerfile: app/../../Dockerfile } }
`;
    const dir = tempProject({ 'devenv.yml': '', 'Dockerfile': 'FROM scratch\n', 'app/Dockerfile': 'FROM scratch\n' });
    writeFileSync(path.join(dir, 'devenv.yml'), yaml.replace('DOCKERFILE_ABS', path.join(dir, 'Dockerfile')));
    const error = await loadProject({ cwd: dir, env: {}, persistSecrets: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    const lines = (error as { details: string[] }).details;
    const app = path.join(dir, 'app');
    expect(lines).toEqual([
      `devenv.yml:2:43 services.a.build.dockerfile: the Dockerfile ${path.join(dir, 'Dockerfile')} is outside the build context ${app}; the engine is sent only the context`,
      `  hint: move the Dockerfile into ${app}, or set build.context to a folder that contains it (dockerfile is relative to the context)`,
      `devenv.yml:3:43 services.b.build.dockerfile: the Dockerfile ${path.join(dir, 'Dockerfile')} is outside the build context ${app}; the engine is sent only the context`,
      `  hint: move the Dockerfile into ${app}, or set build.context to a folder that contains it (dockerfile is relative to the context)`,
      `devenv.yml:4:41 services.c.build.dockerfile: the Dockerfile ${path.join(path.dirname(dir), 'Dockerfile')} is outside the build context ${dir}; the engine is sent only the context`,
      `  hint: move the Dockerfile into ${dir}, or set build.context to a folder that contains it (dockerfile is relative to the context)`,
    ]);
  });

  it('takes an absolute Dockerfile inside the context as a path relative to it', async () => {
    const dir = tempProject({ 'devenv.yml': '', 'app/docker/Dockerfile.dev': 'FROM scratch\n' });
    writeFileSync(path.join(dir, 'devenv.yml'), `services:\n  a: { build: { context: app, dockerfile: ${path.join(dir, 'app', 'docker', 'Dockerfile.dev')} } }\n`);
    const project = await loadProject({ cwd: dir, env: {}, persistSecrets: false });
    expect(container(project, 'a').build).toEqual({ context: path.join(dir, 'app'), dockerfile: 'docker/Dockerfile.dev', args: {} });
  });

  it('says when the Dockerfile is missing, with what to do', async () => {
    const error = await loadError('services:\n  a: { build: { context: app, dockerfile: Dockerfile.dev } }\n', { files: { 'app/': '' } });
    expect(error.message).toMatch(/^devenv\.yml:2:43 services\.a\.build\.dockerfile: file "app\/Dockerfile\.dev" not found \(looked for \/.*\/app\/Dockerfile\.dev\)$/);
    expect(error.hint).toBe('create the Dockerfile, or set build.dockerfile to its path relative to the build context');
  });

  it('says what is wrong with an env_file that is a folder or too large, without reading it', async () => {
    const yaml = 'services:\n  a: { image: x, env_file: [conf, big.env] }\n';
    const lines = await problems(yaml, { files: { 'conf/': '', 'big.env': `A=${'x'.repeat(2 * 1024 * 1024)}\n` } });
    expect(lines.map((line) => line.replace(/ \(looked for .*\)$/, ''))).toEqual([
      'devenv.yml:2:29 services.a.env_file[0]: env file "conf" is a folder',
      'devenv.yml:2:35 services.a.env_file[1]: env file "big.env" is 2097155 bytes; the limit is 1048576 bytes (1 MiB)',
    ]);
  });
});
