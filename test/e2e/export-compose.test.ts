/**
 * devenv export compose, for real: each example's export comes up healthy with docker-compose and
 * answers as the same example does under devenv; devenv's applier agrees with the exported one.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applySqlMigrations } from '../../src/postgres/sql-migrator.js';
import { devenv, http } from '../helpers/cli.js';
import { removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

const compose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
if (!compose) console.warn('export-compose tests skipped: docker-compose is not installed (apt-get install docker-compose)');

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function dockerCompose(dir: string, project: string, ...args: string[]) {
  // docker-compose 1.x builds without BuildKit: the images are built by devenv first (see below).
  return spawnSync('docker-compose', ['-p', project, '-f', join(dir, 'compose.yml'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const examples = [
  { name: 'node-postgres', path: '/notes', same: (body: string) => (JSON.parse(body) as { id: number; body: string }[]).map((n) => [n.id, n.body]) },
  { name: 'node-knex-redis', path: '/visits', same: (body: string) => body },
];

describe.skipIf(!compose)('devenv export compose', () => {
  it.each(examples)('$name: the export comes up healthy with docker-compose and answers as devenv does', async ({ name, path, same }) => {
    const dir = copyProject(`examples/${name}`);
    const env = { APP_PORT: '0' };
    const exported = uniqueProject('expc');
    const native = uniqueProject('expn');
    cleanups.push(() => removeProject(native), () => removeProject(exported), () => dockerCompose(dir, exported, 'down', '-v', '--remove-orphans'));

    // The image, built by devenv with BuildKit (the examples' Dockerfiles use RUN --mount), under the tag the export names.
    expect((await devenv(['-p', exported, 'build'], { cwd: dir, env })).code).toBe(0);
    const out = await devenv(['-p', exported, 'export', 'compose', '-o', join(dir, 'compose.yml')], { cwd: dir, env });
    expect(out.code, out.stderr).toBe(0);
    const text = readFileSync(join(dir, 'compose.yml'), 'utf8');
    expect(text).not.toMatch(/POSTGRES_PASSWORD: [A-Za-z0-9_-]{24}/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toMatch(/^DB_POSTGRES_PASSWORD=[A-Za-z0-9_-]{24}$/m);

    const upped = dockerCompose(dir, exported, 'up', '-d');
    expect(upped.status, upped.stderr).toBe(0);
    const appPort = await until('the app publishes its port', async () => Number(dockerCompose(dir, exported, 'port', 'app', '3000').stdout.trim().split(':').pop()) || undefined);
    await until('the app answers /health', async () => ((await http(`http://127.0.0.1:${appPort}/health`)).status === 200 ? true : undefined));
    // The exported healthcheck runs on its own interval: the app can answer before compose has asked it.
    const ps = await until('compose reports the app healthy', async () => {
      const out = dockerCompose(dir, exported, 'ps').stdout;
      return /_app_1 .* Up \(healthy\)/.test(out) ? out : undefined;
    });
    expect(ps).toMatch(/_migrate-schema_1 .* Exit 0/);
    const fromCompose = await http(`http://127.0.0.1:${appPort}${path}`);

    const up = await devenv(['-p', native, 'up', '-d'], { cwd: dir, env });
    expect(up.code, up.stderr).toBe(0);
    const nativePort = Number(/app\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(up.stdout)![1]);
    const fromDevenv = await http(`http://127.0.0.1:${nativePort}${path}`);
    expect(fromCompose.status).toBe(200);
    expect(same(fromCompose.body)).toEqual(same(fromDevenv.body));
  }, 240_000); // A build and two stacks: ~75 s each on a loaded 2-core machine, past the 120 s default once.

  it('a sql: step applied by the exported stack is one devenv\'s own applier skips', async () => {
    const dir = copyProject('examples/node-postgres');
    const project = uniqueProject('expsql');
    cleanups.push(() => removeProject(project), () => dockerCompose(dir, project, 'down', '-v', '--remove-orphans'));
    // Only the database and its migration: no image to build.
    expect((await devenv(['-p', project, 'export', 'compose', '-o', join(dir, 'compose.yml')], { cwd: dir })).code).toBe(0);
    expect(dockerCompose(dir, project, 'up', '-d', 'migrate-schema').status).toBe(0);
    const done = await until('the migration completes', async () => (/Exit 0/.test(dockerCompose(dir, project, 'ps', 'migrate-schema').stdout) ? true : undefined));
    expect(done).toBe(true);
    expect(dockerCompose(dir, project, 'logs', 'migrate-schema').stdout).toContain('migration schema: 2 applied, 0 already applied');
    const port = Number(dockerCompose(dir, project, 'port', 'db', '5432').stdout.trim().split(':').pop());
    const password = /^DB_POSTGRES_PASSWORD=(.*)$/m.exec(readFileSync(join(dir, '.env'), 'utf8'))![1]!;
    const conn = { host: '127.0.0.1', port, user: 'postgres', password, database: 'notes' };
    expect(await applySqlMigrations(conn, { name: 'schema', dir: join(dir, 'db/migrations') })).toEqual({ applied: [], skipped: ['001_create_notes.sql', '002_seed.sql'], ended: [] });
  });
});
