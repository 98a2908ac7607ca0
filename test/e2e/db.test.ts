/** devenv db: reset, snapshots, restore, dump and load against a real Postgres. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devenv } from '../helpers/cli.js';
import { projectResources, removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

const project = uniqueProject('db');
let dir: string;
let files: string;
const cli = (args: string[]) => devenv(['-p', project, ...args], { cwd: dir });
const sql = async (query: string) => {
  const r = await cli(['exec', '-T', 'db', 'psql', '-At', '-c', query]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
};
const names = () => sql('SELECT string_agg(name, \',\' ORDER BY name) FROM items');
/** A statement on the server's maintenance database (the project's own may be the one changing). */
const server = async (query: string) => {
  const r = await cli(['exec', '-T', 'db', 'psql', '-At', '-d', 'postgres', '-c', query]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
};
const devenvDatabases = () => server("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE 'devenv%'");
/** The databases devenv keeps beside the project's, once the tidy-up a db command left (it runs after the command) has made them. */
const settled = async (expected: string) => {
  const deadline = Date.now() + 30_000;
  let now = await devenvDatabases();
  while (now !== expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    now = await devenvDatabases();
  }
  expect(now).toBe(expected);
};
const oid = (db: string) => server(`SELECT oid FROM pg_database WHERE datname = '${db}'`);

beforeAll(async () => {
  dir = copyProject('test/fixtures/e2e/db');
  files = mkdtempSync(join(tmpdir(), 'db-files-'));
  const up = await cli(['up', '-d']);
  expect(up.code, up.stderr).toBe(0);
  expect(up.stdout).toContain('kept as its init files left it, for `db reset`');
});
const citext = () => sql("SELECT count(*) FROM pg_extension WHERE extname = 'citext'");
/** What init.sql made of the database beside its contents: owner, privileges, settings, comment. */
const properties = () => server(`SELECT concat_ws(' | ', pg_get_userbyid(d.datdba), d.datacl::text, shobj_description(d.oid, 'pg_database'),
  (SELECT string_agg(coalesce(pg_get_userbyid(nullif(s.setrole, 0)), '*') || ':' || s.setconfig::text, ' ' ORDER BY s.setrole) FROM pg_db_role_setting s WHERE s.setdatabase = d.oid))
  FROM pg_database d WHERE datname = 'shop'`);
const initialProperties = String.raw`shop | {=T/shop,shop=CTc/shop,reader=c/shop} | the shop's data | *:{work_mem=8MB,"search_path=public, \"$user\""} reader:{statement_timeout=5s}`;
afterAll(async () => {
  await removeProject(project);
  rmSync(files, { recursive: true, force: true });
});

describe('devenv db', () => {
  it('snapshot → change → restore brings the data back; snapshots lists it', async () => {
    expect(await names()).toBe('seeded');
    const snap = await cli(['db', 'snapshot', 'base']);
    expect(snap.code, snap.stderr).toBe(0);
    expect(snap.stdout).toMatch(/^Snapshot "base" of database "shop" \([\d.]+ (kB|MB), 1 migration record, last schema\/001_items\.sql\) taken in [\d.]+ s; /);
    await sql("INSERT INTO items (name) VALUES ('added')");
    expect(await names()).toBe('added,seeded');
    const list = await cli(['db', 'snapshots']);
    expect(list.stdout).toMatch(/^NAME\s+SIZE\s+TAKEN AT\s+MIGRATIONS\nbase\s+[\d.]+ (kB|MB)\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1 \(last: schema\/001_items\.sql\)\n$/);
    const restored = await cli(['db', 'restore', 'base']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/^Restored database "shop" of db from snapshot "base" in [\d.]+ s; /);
    expect(await names()).toBe('seeded');
    expect(await properties()).toBe(initialProperties);
    // After it answered: the replaced copy dropped, a spare copy of base and an empty database made
    // for the next restore and reset, which nobody can connect to.
    await settled('devenv_empty,devenv_initial,devenv_snapshot_base,devenv_spare_base');
    expect(await server("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE 'devenv%' AND datallowconn")).toBe('');
    // The next restore renames the spare into place: the database is the spare, made connectable.
    const spare = await oid('devenv_spare_base');
    await sql("INSERT INTO items (name) VALUES ('again')");
    expect((await cli(['db', 'restore', 'base', '--yes'])).code).toBe(0);
    expect(await oid('shop')).toBe(spare);
    expect(await names()).toBe('seeded');
    expect(await properties()).toBe(initialProperties);
    // Connectable, and with the database's own comment again, not the spare's stamp (properties above).
    expect(await sql('SELECT datallowconn FROM pg_database WHERE datname = current_database()')).toBe('t');
    await settled('devenv_empty,devenv_initial,devenv_snapshot_base,devenv_spare_base');
  });

  it('never restores from a spare of another snapshot than the one named', async () => {
    await sql("INSERT INTO items (name) VALUES ('other')");
    expect((await cli(['db', 'snapshot', 'other'])).code).toBe(0);
    await settled('devenv_empty,devenv_initial,devenv_snapshot_base,devenv_snapshot_other,devenv_spare_other');
    // By hand, "base" becomes a copy of "other"; the spare of base, made before, is of the old one.
    const stale = await oid('devenv_spare_other');
    await server('ALTER DATABASE devenv_spare_other RENAME TO devenv_spare_base');
    const restored = await cli(['db', 'restore', 'base', '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await oid('shop')).not.toBe(stale);
    expect(await names()).toBe('seeded');
    await settled('devenv_empty,devenv_initial,devenv_snapshot_base,devenv_snapshot_other,devenv_spare_base');
    expect(await oid('devenv_spare_base')).not.toBe(stale);
    expect((await cli(['db', 'snapshot', '--delete', 'other'])).code).toBe(0);
    await settled('devenv_empty,devenv_initial,devenv_snapshot_base,devenv_spare_base');
  });

  it('reset drops and recreates the database and runs its sql: and run: steps again', async () => {
    await sql("INSERT INTO items (name) VALUES ('junk')");
    const empty = await oid('devenv_empty');
    const r = await cli(['db', 'reset']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Swapped in a new database "shop" of db, as its init files left it, in');
    expect(r.stdout).toMatch(/✔ migration:schema sql [\d.]+s \(1 applied, 0 already applied\)/);
    expect(r.stdout).toContain('✔ migration:seed run');
    expect(r.stdout).toMatch(/db reset in [\d.]+ s: ran schema, seed\./);
    expect(await oid('shop')).toBe(empty);
    expect(await names()).toBe('seeded');
    expect(await citext()).toBe('1');
    expect(await properties()).toBe(initialProperties);
    // The next up knows the steps ran on the new database: it skips them again.
    const again = await cli(['up', '-d']);
    expect(again.stdout).toContain('migration:schema sql (unchanged since its last success on this database; skipped');
    // Without a spare (say, its making failed) a reset creates the database itself.
    await settled('devenv_empty,devenv_initial,devenv_snapshot_base,devenv_spare_base');
    await server('DROP DATABASE devenv_empty');
    const slow = await cli(['db', 'reset', '--yes']);
    expect(slow.code, slow.stderr).toBe(0);
    expect(slow.stdout).toContain('Dropped and created database "shop" of db, as its init files left it, in');
    expect(await names()).toBe('seeded');
    expect(await citext()).toBe('1');
    expect(await properties()).toBe(initialProperties);
    await settled('devenv_empty,devenv_initial,devenv_snapshot_base,devenv_spare_base');
    // A volume without the copy (made before devenv kept one): a reset starts empty and says so.
    await server('DROP DATABASE devenv_empty');
    await server('DROP DATABASE devenv_initial');
    const bare = await cli(['db', 'reset', '--yes']);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toMatch(/Dropped and created database "shop" of db in [\d.]+ s/);
    expect(bare.stdout).toContain("Note: this volume has no copy of what db's init files made");
    expect(await citext()).toBe('0');
    expect(await names()).toBe('seeded');
    await settled('devenv_empty,devenv_snapshot_base,devenv_spare_base');
  });

  it('an edited init file is pointed out by up and by reset: it runs only on a new volume', async () => {
    const init = join(dir, 'init.sql');
    const before = readFileSync(init, 'utf8');
    writeFileSync(init, `${before}CREATE EXTENSION pg_trgm;\n`);
    try {
      const up = await cli(['up', '-d']);
      expect(up.stdout).toContain('postgres:db ready (container reused; its init files changed since its volume was made: they run only on a new volume');
      const reset = await cli(['db', 'reset', '--yes']);
      expect(reset.code, reset.stderr).toBe(0);
      expect(reset.stdout).toContain('Note: db: its init files changed since its volume was made');
    } finally {
      writeFileSync(init, before);
    }
    expect((await cli(['up', '-d'])).stdout).not.toContain('its init files changed');
  });

  it('restore of a database whose migrations changed since the last snapshot needs --yes without a terminal', async () => {
    writeFileSync(join(dir, 'migrations/002_more.sql'), 'ALTER TABLE items ADD COLUMN note text;\n');
    expect((await cli(['up', '-d'])).code).toBe(0);
    const refused = await cli(['db', 'restore', 'base']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('database "shop" of db has migration records no snapshot holds (devenv_migrations: 2 rows, 1 in the last snapshot, base): refusing without --yes');
    expect(await sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'note'")).toBe('1');
    const forced = await cli(['db', 'restore', 'base', '--yes']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'note'")).toBe('0');
    rmSync(join(dir, 'migrations/002_more.sql'));
    // What devenv remembered of the replaced database no longer holds: the next up runs the step again.
    const again = await cli(['up', '-d']);
    expect(again.stdout).not.toContain('unchanged since its last success');
    expect(again.stdout).toMatch(/✔ migration:schema sql [\d.]+s \(0 applied, 1 already applied\)/);
  });

  it('a database without any migration record has nothing to lose: restore asks nothing', async () => {
    // What a reset whose migration failed leaves: an empty database.
    await sql('DROP TABLE devenv_migrations');
    const r = await cli(['db', 'restore', 'base']);
    expect(r.code, r.stderr).toBe(0);
    expect(await names()).toBe('seeded');
  });

  it('the guard sees the history tables of the app\'s own migration tool too (here Prisma\'s, in another schema)', async () => {
    await sql('CREATE SCHEMA app; CREATE TABLE app._prisma_migrations (id text PRIMARY KEY, migration_name text, finished_at timestamptz); INSERT INTO app._prisma_migrations VALUES (\'1\', \'0001_init\', now())');
    const taken = await cli(['db', 'snapshot', 'prisma']);
    expect(taken.stdout).toContain('2 migration records, last devenv_migrations schema/001_items.sql, app._prisma_migrations 0001_init)');
    expect((await cli(['db', 'snapshots'])).stdout).toMatch(/^prisma\s.*\s2 \(last: devenv_migrations schema\/001_items\.sql, app\._prisma_migrations 0001_init\)$/m);
    await sql('INSERT INTO app._prisma_migrations VALUES (\'2\', \'0002_more\', now())');
    const refused = await cli(['db', 'restore', 'prisma']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('database "shop" of db has migration records no snapshot holds (app._prisma_migrations: 2 rows, 1 in the last snapshot, prisma): refusing without --yes');
    expect((await cli(['db', 'snapshot', 'later'])).code).toBe(0);
    expect((await cli(['db', 'restore', 'prisma'])).code).toBe(0);
    expect(await sql('SELECT string_agg(migration_name, \',\') FROM app._prisma_migrations')).toBe('0001_init');
    // As the snapshot restored has it, though "later" was taken last: nothing is lost, nothing to confirm.
    expect((await cli(['db', 'restore', 'later'])).code).toBe(0);
    await sql('DROP TABLE app._prisma_migrations; DROP SCHEMA app');
    for (const name of ['prisma', 'later']) expect((await cli(['db', 'snapshot', '--delete', name])).code).toBe(0);
  });

  it('a reset whose migration fails says the database is already reset, and how to go back', async () => {
    writeFileSync(join(dir, 'migrations/009_bad.sql'), 'SELECT * FROM no_such_table;\n');
    const failed = await cli(['db', 'reset', '--yes']);
    expect(failed.code).toBe(7);
    expect(failed.stderr).toContain('(database "shop" was already reset: it holds what the steps before this one made)');
    expect(failed.stderr).toContain('Then `devenv db reset` again, or `devenv db restore NAME` to go back to a snapshot');
    rmSync(join(dir, 'migrations/009_bad.sql'));
    expect((await cli(['db', 'reset', '--yes'])).code).toBe(0);
    expect(await names()).toBe('seeded');
  });

  it('dump → load into a fresh volume gives the same rows, plain, gzipped and custom', async () => {
    await sql("INSERT INTO items (name) VALUES ('kept')");
    const plain = join(files, 'dump.sql');
    const custom = join(files, 'dump.pgc');
    expect((await cli(['db', 'dump', '-o', plain])).code).toBe(0);
    expect(readFileSync(plain, 'utf8')).toContain('CREATE TABLE public.items');
    expect((await cli(['db', 'dump', '--format', 'custom', '-o', custom])).code).toBe(0);
    expect(readFileSync(custom).subarray(0, 5).toString()).toBe('PGDMP');
    writeFileSync(join(files, 'dump.sql.gz'), gzipSync(readFileSync(plain)));
    for (const file of [plain, join(files, 'dump.sql.gz'), custom]) {
      // A fresh database: empty, without the migrations (sql: tables would clash with the dump).
      expect((await cli(['down', '--volumes'])).code).toBe(0);
      expect((await cli(['up', '-d', 'db'])).code).toBe(0);
      const loaded = await cli(['db', 'load', file]);
      expect(loaded.code, loaded.stderr).toBe(0);
      expect(loaded.stdout).toMatch(new RegExp(`^Loaded ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} into database "shop" of db in [\\d.]+ s\\.`));
      expect(await names()).toBe('kept,seeded');
    }
  }, 240_000); // Three new volumes, each initialised: slow on a loaded machine.

  it('load --replace loads into a new database and swaps it in only once the whole file loaded', async () => {
    await sql("INSERT INTO items (name) VALUES ('dumped')");
    const dumped = await names();
    const file = join(files, 'replace.sql');
    expect((await cli(['db', 'dump', '-o', file])).code).toBe(0);
    await sql("INSERT INTO items (name) VALUES ('after the dump')");
    // What the database's init made, its migrations and seed made too: a plain load would clash with them.
    const replaced = await cli(['db', 'load', '--replace', '--yes', file]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toMatch(/^Loaded .*replace\.sql into a new database and swapped it in for "shop" of db in [\d.]+ s; /);
    expect(await names()).toBe(dumped);
    expect(await properties()).toBe(initialProperties);
    // What devenv remembered of the replaced database no longer holds: the next up runs the steps again.
    expect((await cli(['up', '-d'])).stdout).not.toContain('unchanged since its last success');
    const bad = join(files, 'bad-replace.sql');
    writeFileSync(bad, "CREATE TABLE items (name text);\nINSERT INTO items VALUES ('one');\nINSERT INTO nowhere VALUES (1);\n");
    const failed = await cli(['db', 'load', '--replace', '--yes', bad]);
    expect(failed.code).toBe(7);
    expect(failed.stderr).toContain('stopped at line 3');
    expect(failed.stderr).toContain('Nothing changed: the file went into a new database, now dropped; database "shop" is as it was.');
    expect(await names()).toBe(dumped);
    expect(await server("SELECT count(*) FROM pg_database WHERE datname = 'devenv_loading'")).toBe('0');
  });

  it('load stops at the first error and names its line; bad names and missing snapshots are clear errors', async () => {
    const bad = join(files, 'bad.sql');
    writeFileSync(bad, "INSERT INTO items (name) VALUES ('one');\nINSERT INTO nowhere VALUES (1);\nINSERT INTO items (name) VALUES ('never');\n");
    const r = await cli(['db', 'load', bad]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(`loading ${bad} stopped at line 2: ERROR:  relation "nowhere" does not exist`);
    expect(await sql("SELECT count(*) FROM items WHERE name = 'never'")).toBe('0');
    const badName = await cli(['db', 'snapshot', 'Bad-Name']);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('invalid snapshot name "Bad-Name"');
    const missing = await cli(['db', 'restore', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no snapshot named "nope"');
    const notADump = await cli(['db', 'load', 'devenv.yml']);
    expect(notADump.code).toBe(2);
    expect(notADump.stderr).toContain('devenv.yml is not a dump');
    const byDatabase = await cli(['db', 'dump', 'shop']);
    expect(byDatabase.code).toBe(2);
    expect(byDatabase.stderr).toContain('no Postgres service named "shop" has a container');
    expect(byDatabase.stderr).toContain('The db commands take the Postgres service, not the database: `db`.');
    const unknown = await cli(['db', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown db command "frobnicate"');
  });

  it('snapshots survive down and go with down --volumes; a stopped database is a clear error', async () => {
    expect((await cli(['up', '-d'])).code).toBe(0);
    expect((await cli(['db', 'snapshot', 'keep'])).code).toBe(0);
    expect((await cli(['down'])).code).toBe(0);
    const stopped = await cli(['db', 'snapshots']);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain('no Postgres service of project');
    expect((await cli(['up', '-d', 'db'])).code).toBe(0);
    expect((await cli(['db', 'snapshots'])).stdout).toMatch(/^keep\s/m);
    expect((await cli(['down', '--volumes'])).code).toBe(0);
    expect(await projectResources(project)).toEqual([]);
  });
});
