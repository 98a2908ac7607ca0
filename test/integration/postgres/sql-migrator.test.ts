import { spawnSync } from 'node:child_process';
import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevenvError } from '../../../src/errors.js';
import type { PgConnection } from '../../../src/postgres/connection.js';
import { applySqlMigrations, type SqlMigrationEvent } from '../../../src/postgres/sql-migrator.js';
import { waitForPostgres } from '../../../src/postgres/wait-ready.js';
import { removeProject, uniqueProject } from '../../helpers/engine.js';
import { startPostgres } from './pg-container.js';
import { tempDir } from '../../helpers/temp.js';

const fixtures = fileURLToPath(new URL('../../fixtures/postgres/', import.meta.url));
const project = uniqueProject('pg');
let admin: PgConnection;
let tmp: string;
let databases = 0;

beforeAll(async () => {
  tmp = tempDir('devenv-sql');
  admin = (await startPostgres(project)).conn;
  await waitForPostgres(admin, { timeoutMs: 60_000 });
});
afterAll(async () => {
  await removeProject(project);
  await rm(tmp, { recursive: true, force: true });
});

/** Each test gets its own empty database in the shared container. */
async function freshDatabase(): Promise<PgConnection> {
  const database = `t${++databases}`;
  await query(admin, `CREATE DATABASE ${database}`);
  return { ...admin, database };
}

async function query<R extends pg.QueryResultRow>(conn: PgConnection, text: string): Promise<R[]> {
  const client = new pg.Client(conn);
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

const recorded = (conn: PgConnection) =>
  query<{ name: string }>(conn, 'SELECT name FROM devenv_migrations ORDER BY name').then((rows) => rows.map((r) => r.name));

/** A copy of a fixture folder that a test may edit. */
async function copyFixture(name: string): Promise<string> {
  const dir = join(tmp, `${name}-${++databases}`);
  await cp(join(fixtures, name), dir, { recursive: true });
  return dir;
}

describe('applySqlMigrations', () => {
  it('applies the files in order, records them, and skips them on the next run', async () => {
    const conn = await freshDatabase();
    const events: SqlMigrationEvent[] = [];
    const migration = { name: 'seed', dir: join(fixtures, 'basic') };

    const first = await applySqlMigrations(conn, migration, { onEvent: (e) => events.push(e) });
    expect(first).toEqual({ applied: ['001_create_users.sql', '002_insert_users.sql'], skipped: [], ended: [] });
    expect(events.map((e) => `${e.type} ${e.file}`)).toEqual(['applied 001_create_users.sql', 'applied 002_insert_users.sql']);
    expect(events.every((e) => typeof e.ms === 'number')).toBe(true);
    expect(await query(conn, 'SELECT name FROM users ORDER BY id')).toEqual([{ name: 'ada' }, { name: 'grace' }]);
    expect(await recorded(conn)).toEqual(['seed/001_create_users.sql', 'seed/002_insert_users.sql']);

    const second = await applySqlMigrations(conn, migration);
    expect(second).toEqual({ applied: [], skipped: ['001_create_users.sql', '002_insert_users.sql'], ended: [] });
    expect(await query(conn, 'SELECT count(*)::int AS n FROM users')).toEqual([{ n: 2 }]);
  });

  it('keeps the records of different migration steps in one database apart', async () => {
    const conn = await freshDatabase();
    await applySqlMigrations(conn, { name: 'schema', dir: join(fixtures, 'basic') });
    await query(conn, 'DROP TABLE users');
    const other = await applySqlMigrations(conn, { name: 'schema_2', dir: join(fixtures, 'basic') });
    expect(other.applied).toHaveLength(2);
    expect(await recorded(conn)).toEqual([
      'schema/001_create_users.sql',
      'schema/002_insert_users.sql',
      'schema_2/001_create_users.sql',
      'schema_2/002_insert_users.sql',
    ]);
  });

  it('refuses an applied file whose content changed, before applying anything', async () => {
    const conn = await freshDatabase();
    const dir = await copyFixture('basic');
    await applySqlMigrations(conn, { name: 'seed', dir });
    await writeFile(join(dir, '002_insert_users.sql'), "INSERT INTO users (name) VALUES ('edited');\n");
    await writeFile(join(dir, '003_more.sql'), "INSERT INTO users (name) VALUES ('new');\n");

    const error = await applySqlMigrations(conn, { name: 'seed', dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevenvError);
    const e = error as DevenvError;
    expect(e.code).toBe('MIGRATION_FAILED');
    expect(e.message).toMatch(
      /^migration "seed": 002_insert_users\.sql was already applied but its content changed \(checksum [0-9a-f]{12}… ≠ [0-9a-f]{12}…\)$/,
    );
    expect(e.hint).toBe('Add a new migration file instead of editing an applied one; or reset the database with `devenv down --volumes`.');
    expect(await recorded(conn)).toEqual(['seed/001_create_users.sql', 'seed/002_insert_users.sql']);
    expect(await query(conn, 'SELECT name FROM users ORDER BY id')).toEqual([{ name: 'ada' }, { name: 'grace' }]);
  });

  it('rolls back a failing file, names it with the pg message and line, and keeps the files before it', async () => {
    const conn = await freshDatabase();
    const events: string[] = [];
    const error = await applySqlMigrations(
      conn,
      { name: 'seed', dir: join(fixtures, 'failing') },
      { onEvent: (e) => events.push(`${e.type} ${e.file}`) },
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DevenvError);
    const e = error as DevenvError;
    expect(e.code).toBe('MIGRATION_FAILED');
    expect(e.message).toBe('migration "seed": 003_bad.sql failed: syntax error at or near "SELEC" at line 4');
    expect(e.details).toEqual([
      '  2 | INSERT INTO users (name) VALUES (\'linus\');',
      '  3 | CREATE TABLE posts (id serial PRIMARY KEY, title text);',
      '> 4 | SELEC title FROM posts;',
      '    | ^',
      "  5 | INSERT INTO users (name) VALUES ('never');",
      '  6 | ',
    ]);
    expect(events).toEqual(['applied 001_create_users.sql', 'applied 002_insert_users.sql']);
    expect(await recorded(conn)).toEqual(['seed/001_create_users.sql', 'seed/002_insert_users.sql']);
    expect(await query(conn, 'SELECT name FROM users ORDER BY id')).toEqual([{ name: 'ada' }, { name: 'grace' }]);
    expect(await query(conn, "SELECT to_regclass('posts') AS t")).toEqual([{ t: null }]);
  });

  it('maps the position Postgres reports to the right line and column past non-ASCII text', async () => {
    const conn = await freshDatabase();
    const dir = join(tmp, `unicode-${++databases}`);
    await cp(join(fixtures, 'basic'), dir, { recursive: true });
    await writeFile(join(dir, '003_unicode.sql'), "-- café 🙂\nINSERT INTO users (name) VALUES ('🙂🙂');\nSELECT '🙂', name FROM nowhere;\n");
    const error = (await applySqlMigrations(conn, { name: 'seed', dir }).catch((e: unknown) => e)) as DevenvError;
    expect(error.message).toBe('migration "seed": 003_unicode.sql failed: relation "nowhere" does not exist at line 3');
    expect(error.details.slice(2, 4)).toEqual(["> 3 | SELECT '🙂', name FROM nowhere;", `    | ${' '.repeat(22)}^`]);
  });

  it('reports a runtime error without a position, with its detail', async () => {
    const conn = await freshDatabase();
    const dir = await copyFixture('basic');
    await writeFile(join(dir, '003_duplicate.sql'), "INSERT INTO users (name) VALUES ('zoe');\nINSERT INTO users (name) VALUES ('ada');\n");
    const error = (await applySqlMigrations(conn, { name: 'seed', dir }).catch((e: unknown) => e)) as DevenvError;
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toBe(
      'migration "seed": 003_duplicate.sql failed: duplicate key value violates unique constraint "users_name_key"',
    );
    expect(error.details).toEqual(['DETAIL: Key (name)=(ada) already exists.']);
    expect(await query(conn, "SELECT count(*)::int AS n FROM users WHERE name = 'zoe'")).toEqual([{ n: 0 }]);
  });

  it('orders files by plain string comparison, ignores other files and subfolders, accepts empty files', async () => {
    const conn = await freshDatabase();
    const result = await applySqlMigrations(conn, { name: 'order', dir: join(fixtures, 'ordering') });
    const files = ['002_create_log.sql', '010_append.sql', '011_comment_only.sql', '012_empty.sql', '1_last.sql'];
    expect(result).toEqual({ applied: files, skipped: [], ended: [] });
    expect(await query(conn, 'SELECT file FROM log ORDER BY seq')).toEqual([{ file: '002' }, { file: '010' }, { file: '1' }]);
    expect(await recorded(conn)).toEqual(files.map((f) => `order/${f}`));
  });

  it('lets two concurrent runs apply each file exactly once', async () => {
    const conn = await freshDatabase();
    const migration = { name: 'order', dir: join(fixtures, 'ordering') };
    const [a, b] = await Promise.all([applySqlMigrations(conn, migration), applySqlMigrations(conn, migration)]);
    // The advisory lock serialises the runs: one applies everything, the other skips everything.
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, 5]);
    expect([a.skipped.length, b.skipped.length].sort()).toEqual([0, 5]);
    expect(await query(conn, 'SELECT file FROM log ORDER BY seq')).toEqual([{ file: '002' }, { file: '010' }, { file: '1' }]);
  });

  it('fails with MIGRATION_FAILED when the folder does not exist', async () => {
    const dir = join(tmp, 'missing');
    await expect(applySqlMigrations(admin, { name: 'seed', dir })).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: `migration "seed": cannot read the folder ${dir}`,
    });
  });

  it('fails with MIGRATION_FAILED, without the password, when it cannot log in', async () => {
    const password = 'bad-password-5521';
    const error = (await applySqlMigrations(
      { ...admin, password },
      { name: 'seed', dir: join(fixtures, 'basic') },
    ).catch((e: unknown) => e)) as DevenvError;
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toBe(
      `migration "seed": cannot connect to Postgres at 127.0.0.1:${admin.port} as "calsite": password authentication failed for user "calsite"`,
    );
    expect(error.message).not.toContain(password);
  });

  it('rejects with INTERRUPTED and rolls back when aborted mid-file', async () => {
    const conn = await freshDatabase();
    const dir = await copyFixture('basic');
    await writeFile(join(dir, '003_slow.sql'), "INSERT INTO users (name) VALUES ('slow');\nSELECT pg_sleep(600);\n");
    const controller = new AbortController();
    // pg_sleep(600) outlives the test's timeout: only the abort can end the run in time.
    const run = applySqlMigrations(conn, { name: 'seed', dir }, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.file === '002_insert_users.sql') setTimeout(() => controller.abort(), 200);
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(await recorded(conn)).toEqual(['seed/001_create_users.sql', 'seed/002_insert_users.sql']);
    expect(await query(conn, "SELECT count(*)::int AS n FROM users WHERE name = 'slow'")).toEqual([{ n: 0 }]);
    // The session is gone on the server too, so its advisory lock does not block the next run.
    await expect(applySqlMigrations(conn, { name: 'seed', dir: await copyFixture('basic') })).resolves.toMatchObject({ applied: [] });
    expect(await query(conn, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()")).toEqual([{ n: 0 }]);
  }, 30_000);

  it('ends the session of a killed devenv that still holds the migration lock, and says so', async () => {
    const conn = await freshDatabase();
    // A devenv process that no longer exists, whose statement still runs on the server.
    const dead = spawnSync('true').pid!;
    const orphan = new pg.Client({ ...conn, application_name: `devenv/${dead}` });
    orphan.on('error', () => undefined);
    await orphan.connect();
    const orphanPid = (orphan as unknown as { processID: number }).processID;
    await orphan.query("SELECT pg_advisory_lock('110386840645238')");
    void orphan.query('SELECT pg_sleep(600)').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1100));
    const result = await applySqlMigrations(conn, { name: 'seed', dir: join(fixtures, 'basic') });
    expect(result.applied).toEqual(['001_create_users.sql', '002_insert_users.sql']);
    expect(result.ended).toEqual([{ pid: orphanPid, runningSeconds: expect.any(Number) }]);
    expect(result.ended[0]!.runningSeconds).toBeGreaterThanOrEqual(1);
    await orphan.end().catch(() => undefined);
  }, 30_000);
});
