/**
 * Whole-database operations for `devenv db`: reset (drop and create again), snapshots as template
 * databases in the same server (`CREATE DATABASE … TEMPLATE …`: a file copy, no dump), and restore.
 * Every statement runs from a maintenance database, never from the one being changed.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { DevenvError } from '../errors.js';
import { connectClient, describeAddress, errorMessage, type PgConnection } from './connection.js';
import { DEVENV_DATABASE } from './snapshot-name.js';

/** Snapshots are databases named devenv_snapshot_<name>; a name is an identifier. */
export const SNAPSHOT_PREFIX = `${DEVENV_DATABASE}snapshot_`;
/** A copy being made for a restore or a reset, before it is swapped in. */
const RESTORING = `${DEVENV_DATABASE}restoring`;
/** Where `db load --replace` loads a dump before swapping it in. */
const LOADING = `${DEVENV_DATABASE}loading`;
const REPLACED = `${DEVENV_DATABASE}replaced`;
/**
 * Spares: copies made ahead of time, after a command has answered (see tidyDatabases), so that a
 * restore or a reset is two renames instead of a copy. devenv_spare_<snapshot> is a copy of the
 * snapshot taken or restored last; devenv_empty is a new database (see INITIAL) for the next reset.
 */
const SPARE_PREFIX = `${DEVENV_DATABASE}spare_`;
const EMPTY = `${DEVENV_DATABASE}empty`;
/**
 * The database as the `postgres.init` files left it on a new volume (extensions, schemas, roles'
 * grants), copied before any migration: what a reset starts from. Without one, a reset starts
 * from template0.
 */
const INITIAL = `${DEVENV_DATABASE}initial`;

/**
 * What a snapshot was taken from: the rows of the migration history tables at the time, devenv's
 * own (devenv_migrations) and those of the migration tools apps run in `run:` steps or by hand.
 */
export interface MigrationState {
  count: number;
  /** The last applied devenv file, by name order. */
  last?: string;
  /** The last entry of each other history table that has a name column ("public.migrations": "AddNotes1700000000000"). */
  latest?: Record<string, string>;
  /** A hash of every row. */
  hash: string;
  /** Rows per history table ("devenv_migrations", "public.migrations", …); snapshots from before have none. */
  tables?: Record<string, number>;
  /** The hash of devenv_migrations alone: what snapshots from before other tables counted hold. */
  devenvHash?: string;
}

/**
 * The tables migration tools record what they applied in, by their default names: devenv, knex,
 * Prisma, TypeORM and Laravel (migrations), Sequelize, Rails/golang-migrate/dbmate, Flyway, Alembic,
 * Drizzle, Kysely, node-pg-migrate, goose, MikroORM. A table of an app that merely shares a name
 * only makes the --yes guard ask once more.
 */
/**
 * How each tool names an entry, and what orders them: the first column of these a history table has
 * (knex, TypeORM, Sequelize, MikroORM, node-pg-migrate, Kysely: name; Prisma: migration_name; Laravel:
 * migration; Flyway: script; Alembic, Rails, golang-migrate, dbmate, goose: a version). Drizzle records
 * only a hash, which names nothing.
 */
const LABEL_COLUMNS = ['name', 'migration_name', 'migration', 'script', 'filename', 'version_num', 'version_id', 'version'];
// Each one the table has, in this order: a time or rank first (Prisma's id is a random UUID), then an id.
const ORDER_COLUMNS = ['installed_rank', 'finished_at', 'executed_at', 'run_on', 'applied_at', 'migration_time', 'id', 'timestamp'];

export const HISTORY_TABLES = ['devenv_migrations', 'knex_migrations', '_prisma_migrations', 'migrations', 'SequelizeMeta', 'schema_migrations', 'flyway_schema_history', 'alembic_version', '__drizzle_migrations', 'kysely_migration', 'pgmigrations', 'goose_db_version', 'mikro_orm_migrations'];

export interface Snapshot {
  name: string;
  /** Bytes on disk. */
  size: number;
  takenAt: string;
  /** The database it was taken of. */
  database: string;
  migrations: MigrationState;
}

/** A client on the server's maintenance database (template1 when the project's database is "postgres"). */
async function admin<T>(conn: PgConnection, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const maintenance = { ...conn, database: conn.database === 'postgres' ? 'template1' : 'postgres' };
  const client = await connectClient(maintenance, { connectTimeoutMs: 10_000 }).catch((error: unknown) => {
    throw new DevenvError('DATABASE_NOT_READY', `cannot connect to Postgres at ${describeAddress(conn)} as "${conn.user}": ${errorMessage(error, conn)}`, {
      hint: 'Is the database running? `devenv ps` shows it; `devenv up -d` starts it.',
      cause: error,
    });
  });
  try {
    return await use(client);
  } catch (error) {
    if (error instanceof DevenvError) throw error;
    throw new DevenvError('ENGINE_ERROR', `Postgres at ${describeAddress(conn)}: ${errorMessage(error, conn)}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

const ident = (client: pg.Client, name: string) => client.escapeIdentifier(name);

/**
 * CREATE DATABASE `name` as a copy of `template`. From PostgreSQL 15 on, by copying the files
 * (STRATEGY FILE_COPY) rather than the default of writing every block through the WAL: measured on
 * PostgreSQL 15 here, 7.5 MB copied in ~0.17 s instead of ~0.24 s, 46 MB in ~0.28 s instead of ~0.53 s,
 * 0.3 s instead of 0.7 s right after writing 20 MB. Both are crash-safe; FILE_COPY checkpoints
 * before and after, which costs little on a development server. Earlier versions know only the copy.
 */
export function copyStatement(quoted: { name: string; template: string; owner?: string }, serverVersionNum: number): string {
  return `CREATE DATABASE ${quoted.name} TEMPLATE ${quoted.template}${quoted.owner ? ` OWNER ${quoted.owner}` : ''}${serverVersionNum >= 150000 ? ' STRATEGY FILE_COPY' : ''}`;
}

/** server_version_num of a client's server, once `existing` or copySql asked. */
const serverVersions = new WeakMap<pg.Client, number>();

async function copySql(client: pg.Client, name: string, template: string, owner?: string): Promise<string> {
  let version = serverVersions.get(client);
  if (version === undefined) {
    version = Number((await client.query("SELECT current_setting('server_version_num')::int AS v")).rows[0].v);
    serverVersions.set(client, version);
  }
  return copyStatement({ name: ident(client, name), template: ident(client, template), ...(owner ? { owner: ident(client, owner) } : {}) }, version);
}

const copyDatabase = async (client: pg.Client, name: string, template: string, owner?: string) => {
  await client.query(await copySql(client, name, template, owner));
};

/** Ends every other session on `database`; returns how many there were. */
async function disconnect(client: pg.Client, database: string): Promise<number> {
  const r = await client.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  return (r.rows[0] as { n: number }).n;
}

/**
 * Runs a statement that needs `database` to have no other session, ending sessions first; an app
 * that reconnects at once is ended again (a few times) before giving up.
 */
async function alone(client: pg.Client, database: string, sql: string): Promise<number> {
  let ended = 0;
  for (let attempt = 1; ; attempt += 1) {
    ended += await disconnect(client, database);
    try {
      await client.query(sql);
      return ended;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // A statement list that failed half-way left a transaction open: end it before anything else.
      await client.query('ROLLBACK').catch(() => undefined);
      // 55006: object_in_use ("is being accessed by other users").
      if (code !== '55006' || attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** What a command did: sessions it ended, and whether a spare made it two renames instead of a copy. */
export interface Swap {
  disconnected: number;
  /** The spare copy made ahead of time was used. */
  spare: boolean;
}

/**
 * Makes the database again as a new volume had it (see INITIAL): the spare renamed into its place
 * when there is one, else a new copy. The old one is renamed out of the way (instant) for dropReplaced
 * to drop after.
 */
export async function resetDatabase(conn: PgConnection): Promise<Swap & { initial: boolean }> {
  return admin(conn, async (client) => {
    const found = await existing(client, [...leftovers(conn.database), INITIAL, EMPTY]);
    await dropLeftovers(client, conn.database, found);
    const initial = found.get(INITIAL)?.valid === true;
    if (found.get(EMPTY)?.valid) return { disconnected: await replaceWith(client, conn.database, EMPTY, false), spare: true, initial };
    // Made under another name first, then swapped in like a spare: one transaction, never half done.
    await copyDatabase(client, RESTORING, initial ? INITIAL : 'template0', conn.user);
    return { disconnected: await replaceWith(client, conn.database, RESTORING, true), spare: false, initial };
  });
}

/**
 * Puts `copy` in `database`'s place in one transaction, with the replaced database's properties (see
 * carriedOver); the replaced one is renamed out of the way for dropReplaced. Returns how many sessions
 * were ended. On failure the database is as it was, and `copy` is dropped when `dropOnFailure`.
 */
async function replaceWith(client: pg.Client, database: string, copy: string, dropOnFailure: boolean): Promise<number> {
  const properties = await propertiesOf(client, database);
  const away = properties ? `ALTER DATABASE ${ident(client, database)} RENAME TO ${ident(client, REPLACED)};` : '';
  try {
    return await alone(client, database, `BEGIN; ${away} ${swapIn(client, copy, database, carriedOver(quoting(client), database, properties))} COMMIT`);
  } catch (error) {
    // alone() has rolled the swap back.
    if (dropOnFailure) await client.query(`DROP DATABASE IF EXISTS ${ident(client, copy)}`).catch(() => undefined);
    throw error;
  }
}

/**
 * Keeps a copy of the database as its `postgres.init` files left it, for `db reset` (see INITIAL).
 * Called once the server is ready on a new volume, before anything else connects to it.
 */
export async function keepInitialState(conn: PgConnection): Promise<void> {
  await admin(conn, async (client) => {
    if ((await existing(client, [INITIAL])).has(INITIAL)) return;
    await alone(client, conn.database, await copySql(client, INITIAL, conn.database));
    await client.query(`ALTER DATABASE ${ident(client, INITIAL)} WITH ALLOW_CONNECTIONS false`);
  });
}

/** Whether a database exists (valid: and is not left invalid by an interrupted DROP DATABASE). */
const has = async (client: pg.Client, name: string, valid = false) =>
  Boolean((await client.query(`SELECT 1 FROM pg_database WHERE datname = $1${valid ? ' AND datconnlimit <> -2' : ''}`, [name])).rowCount);

interface Present {
  oid: string;
  comment: string | null;
  /** Not left invalid by an interrupted DROP DATABASE. */
  valid: boolean;
}

/** Those of the named databases that exist, in one round trip (each `has` is one), which also tells copySql the server's version. */
async function existing(client: pg.Client, names: string[]): Promise<Map<string, Present>> {
  const r = await client.query(
    `SELECT current_setting('server_version_num')::int AS version, coalesce((SELECT json_agg(json_build_object('datname', datname, 'oid', oid::text,
       'comment', shobj_description(oid, 'pg_database'), 'valid', datconnlimit <> -2)) FROM pg_database WHERE datname = ANY($1::text[])), '[]') AS found`,
    [names],
  );
  const row = r.rows[0] as { version: number; found: (Present & { datname: string })[] };
  serverVersions.set(client, row.version);
  return new Map(row.found.map(({ datname, ...present }) => [datname, present]));
}

/** The names of the databases that start with `prefix`, in name order. */
async function named(client: pg.Client, prefix: string): Promise<string[]> {
  const r = await client.query('SELECT datname FROM pg_database WHERE left(datname, $2) = $1 ORDER BY datname', [prefix, prefix.length]);
  return (r.rows as { datname: string }[]).map((row) => row.datname);
}

/**
 * The statements that rename a spare (which nobody may connect to) into the database's place, with
 * the properties of the database it replaces (see carriedOver).
 */
function swapIn(client: pg.Client, spare: string, database: string, carried: string): string {
  return `ALTER DATABASE ${ident(client, spare)} RENAME TO ${ident(client, database)}; ALTER DATABASE ${ident(client, database)} WITH ALLOW_CONNECTIONS true; COMMENT ON DATABASE ${ident(client, database)} IS NULL; ${carried}`;
}

/** What a database has beside its contents, which a copy does not take from its template. */
export interface DatabaseProperties {
  owner: string;
  /** datacl as text (NULL: the default privileges). */
  acl: string[] | null;
  connectionLimit: number;
  comment: string | null;
  /** ALTER DATABASE … SET (role null) and ALTER ROLE … IN DATABASE … SET, as pg_db_role_setting has them. */
  settings: { role: string | null; config: string[] }[];
}

async function propertiesOf(client: pg.Client, database: string): Promise<DatabaseProperties | undefined> {
  const r = await client.query(
    `SELECT pg_get_userbyid(d.datdba) AS owner, d.datacl::text[] AS acl, d.datconnlimit AS "connectionLimit",
            shobj_description(d.oid, 'pg_database') AS comment,
            coalesce((SELECT json_agg(json_build_object('role', CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END, 'config', s.setconfig))
                        FROM pg_db_role_setting s WHERE s.setdatabase = d.oid), '[]') AS settings
       FROM pg_database d WHERE d.datname = $1`,
    [database],
  );
  return r.rows[0] as DatabaseProperties | undefined;
}

/** Settings whose stored value is a list of (double-quoted where needed) names: written back element by element, as pg_dumpall does. */
const LIST_SETTINGS = new Set(['local_preload_libraries', 'search_path', 'session_preload_libraries', 'shared_preload_libraries', 'temp_tablespaces', 'unix_socket_directories']);
const PRIVILEGES: Record<string, string> = { C: 'CREATE', T: 'TEMPORARY', c: 'CONNECT' };

/**
 * The statements that give `database` (a new copy under that name) the owner, privileges, settings,
 * connection limit and comment of the one it replaces: a reset or restore changes what the database
 * holds, not who may use it or how (an init script's `ALTER DATABASE … OWNER TO app`, say).
 */
export function carriedOver(quote: { ident: (s: string) => string; literal: (s: string) => string }, database: string, p: DatabaseProperties | undefined): string {
  if (!p) return '';
  const db = quote.ident(database);
  const out = [`ALTER DATABASE ${db} OWNER TO ${quote.ident(p.owner)};`];
  if (p.connectionLimit !== -1 && p.connectionLimit >= 0) out.push(`ALTER DATABASE ${db} CONNECTION LIMIT ${p.connectionLimit};`);
  if (p.comment !== null) out.push(`COMMENT ON DATABASE ${db} IS ${quote.literal(p.comment)};`);
  for (const { role, config } of p.settings) {
    for (const entry of config) {
      const at = entry.indexOf('=');
      const name = entry.slice(0, at);
      const value = entry.slice(at + 1);
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) continue;
      const values = LIST_SETTINGS.has(name.toLowerCase()) ? listElements(value).map(quote.literal).join(', ') : quote.literal(value);
      out.push(`${role === null ? `ALTER DATABASE ${db}` : `ALTER ROLE ${quote.ident(role)} IN DATABASE ${db}`} SET ${name} TO ${values};`);
    }
  }
  if (p.acl !== null) {
    // Explicit privileges replace the defaults (the owner's and PUBLIC's CONNECT and TEMPORARY).
    out.push(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`, `REVOKE ALL ON DATABASE ${db} FROM ${quote.ident(p.owner)};`);
    for (const item of p.acl) {
      const m = /^("(?:[^"]|"")*"|[^=]*)=([A-Za-z*]*)\//.exec(item);
      if (!m) continue;
      const grantee = m[1] === '' ? 'PUBLIC' : quote.ident(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!);
      const plain = [...m[2]!.matchAll(/([A-Za-z])(\*?)/g)].filter((x) => PRIVILEGES[x[1]!]);
      const granted = plain.filter((x) => !x[2]).map((x) => PRIVILEGES[x[1]!]);
      const withOption = plain.filter((x) => x[2]).map((x) => PRIVILEGES[x[1]!]);
      if (granted.length > 0) out.push(`GRANT ${granted.join(', ')} ON DATABASE ${db} TO ${grantee};`);
      if (withOption.length > 0) out.push(`GRANT ${withOption.join(', ')} ON DATABASE ${db} TO ${grantee} WITH GRANT OPTION;`);
    }
  }
  return out.join(' ');
}

/** `"$user", public` → ['$user', 'public']; `""` → [''] (Postgres' SplitGUCList, for the values it stores). */
export function listElements(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (value[i] === ' ') i += 1;
    let element = '';
    if (value[i] === '"') {
      for (i += 1; i < value.length; i += 1) {
        if (value[i] === '"') {
          if (value[i + 1] !== '"') break;
          i += 1;
        }
        element += value[i];
      }
      i += 1;
    } else {
      while (i < value.length && value[i] !== ',') element += value[i++];
      element = element.trimEnd();
    }
    out.push(element);
    while (value[i] === ' ') i += 1;
    if (value[i] !== ',') return out;
    i += 1;
  }
}

const quoting = (client: pg.Client) => ({ ident: (s: string) => client.escapeIdentifier(s), literal: (s: string) => client.escapeLiteral(s) });

/**
 * The first half of what a reset, restore or snapshot leaves for after it has answered, done under the
 * project lock: drop the copy it replaced, and the spares that no longer hold (of another snapshot than
 * `snapshot`, of a snapshot deleted or taken again since, or left invalid by an interrupted DROP).
 */
export async function dropReplaced(conn: PgConnection, snapshot: string | undefined): Promise<void> {
  await admin(conn, async (client) => {
    await dropLeftovers(client, conn.database);
    for (const datname of await named(client, SPARE_PREFIX)) {
      const of = datname.slice(SPARE_PREFIX.length);
      if ((snapshot !== undefined && of !== snapshot) || !(await validSpare(client, of))) await client.query(`DROP DATABASE IF EXISTS ${ident(client, datname)}`);
    }
  });
}

/**
 * The second half, without the lock (a copy of a large snapshot takes a while, and nobody must wait
 * for it): make the spares the next restore and reset rename into place, a copy of `snapshot` and an
 * empty database. Nobody can connect to a spare; a snapshot's is stamped with the snapshot's oid, so
 * a copy of a snapshot deleted (or taken again) since is never used. A command that runs meanwhile
 * finds no spare yet and makes its own copy.
 */
export async function makeSpares(conn: PgConnection, snapshot: string | undefined): Promise<void> {
  await admin(conn, async (client) => {
    const found = await existing(client, [...(snapshot ? [SNAPSHOT_PREFIX + snapshot, SPARE_PREFIX + snapshot] : []), EMPTY, INITIAL]);
    const make = async (name: string, template: string, owner: string | undefined, comment?: string) => {
      await copyDatabase(client, name, template, owner);
      if (comment) await client.query(`COMMENT ON DATABASE ${ident(client, name)} IS ${client.escapeLiteral(comment)}`);
      await client.query(`ALTER DATABASE ${ident(client, name)} WITH ALLOW_CONNECTIONS false`);
    };
    const taken = snapshot === undefined ? undefined : found.get(SNAPSHOT_PREFIX + snapshot);
    if (snapshot && taken && !(await validSpare(client, snapshot, found))) {
      await client.query(`DROP DATABASE IF EXISTS ${ident(client, SPARE_PREFIX + snapshot)}`);
      await make(SPARE_PREFIX + snapshot, SNAPSHOT_PREFIX + snapshot, undefined, stamp(taken.oid));
    }
    if (!found.has(EMPTY)) await make(EMPTY, found.get(INITIAL)?.valid ? INITIAL : 'template0', conn.user);
  });
}

/** What a snapshot's spare says it is a copy of: the snapshot database's oid. */
const stamp = (oid: string | undefined) => `devenv spare of oid ${oid ?? 'none'}`;

/** Whether devenv_spare_<snapshot> is a whole copy of the snapshot that exists now. */
async function validSpare(client: pg.Client, snapshot: string, known?: Map<string, Present>): Promise<boolean> {
  const found = known ?? (await existing(client, [SPARE_PREFIX + snapshot, SNAPSHOT_PREFIX + snapshot]));
  const spare = found.get(SPARE_PREFIX + snapshot);
  return spare?.valid === true && spare.comment === stamp(found.get(SNAPSHOT_PREFIX + snapshot)?.oid);
}

/**
 * What a reset or restore renamed out of the way, or a killed one left. A replaced copy is dropped
 * only while the database it replaced exists: else it is the only copy, and goes back.
 */
async function dropLeftovers(client: pg.Client, database: string, known?: Map<string, Present>): Promise<void> {
  const present = new Set((known ?? (await existing(client, leftovers(database)))).keys());
  if (!present.has(database) && present.delete(REPLACED)) await client.query(`ALTER DATABASE ${ident(client, REPLACED)} RENAME TO ${ident(client, database)}`);
  for (const name of [REPLACED, RESTORING, LOADING]) if (present.has(name)) await dropNow(client, name);
}

/** What dropLeftovers looks at. */
const leftovers = (database: string) => [database, REPLACED, RESTORING, LOADING];

/** Drops a database if it exists, ending its sessions first. */
async function drop(client: pg.Client, name: string): Promise<void> {
  if (await has(client, name)) await dropNow(client, name);
}

/** Drops a database that exists, ending its sessions first. */
const dropNow = (client: pg.Client, name: string) => alone(client, name, `DROP DATABASE ${ident(client, name)}`);

/** How the migration history differs from a snapshot's, table by table: "devenv_migrations: 3 rows, 2 in the last snapshot, base". */
export function historyChange(now: MigrationState, then: MigrationState, snapshot: string): string {
  const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
  if (!now.tables || !then.tables) return `${rows(now.count)}, ${then.count} in the last snapshot, ${snapshot}`;
  const names = [...new Set([...Object.keys(now.tables), ...Object.keys(then.tables)])].sort();
  const differ = names.filter((t) => (now.tables![t] ?? 0) !== (then.tables![t] ?? 0));
  if (differ.length === 0) return `as many rows as the last snapshot, ${snapshot}, but not the same`;
  return differ.map((t) => `${t}: ${rows(now.tables![t] ?? 0)}, ${then.tables![t] ?? 0} in the last snapshot, ${snapshot}`).join('; ');
}

/**
 * The last migration of each history table: "002_seed.sql" alone; with several tables, each named
 * (devenv's first, then by table): "devenv_migrations 001_init.sql, knex_migrations 20240101_users.js".
 */
export function lastMigrations(m: MigrationState): string | undefined {
  const entries = [...(m.last ? [['devenv_migrations', m.last]] : []), ...Object.entries(m.latest ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))];
  if (entries.length <= 1) return entries[0]?.[1];
  return entries.map(([table, name]) => `${table!.replace(/^public\./, '')} ${name}`).join(', ');
}

/** The rows of the database's migration history tables (HISTORY_TABLES), as a fingerprint (count 0 when it has none). */
export async function migrationState(conn: PgConnection): Promise<MigrationState> {
  const client = await connectClient(conn, { connectTimeoutMs: 10_000 });
  try {
    const tables = (await client.query(
      `SELECT n.nspname AS schema, c.relname AS name, c.oid = to_regclass('devenv_migrations') AS ours,
         ARRAY(SELECT attname::text FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND c.relname = ANY($1::text[]) AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'`,
      [HISTORY_TABLES],
    )).rows as { schema: string; name: string; ours: boolean | null; columns: string[] }[];
    // devenv's own rows (the table on the search path), hashed as before other tables counted, so
    // a snapshot taken then still matches.
    const hasOurs = tables.some((t) => t.ours);
    const ours = hasOurs ? (await client.query('SELECT name, checksum FROM devenv_migrations ORDER BY name')).rows as { name: string; checksum: string }[] : [];
    const others = tables.filter((t) => !t.ours);
    // Every row (as text, for the hash) and, in the same round trip, each table's last entry.
    const selects = others.flatMap((t) => {
      const history = client.escapeLiteral(`${t.schema}.${t.name}`);
      const table = `${client.escapeIdentifier(t.schema)}.${client.escapeIdentifier(t.name)}`;
      const label = LABEL_COLUMNS.find((c) => t.columns.includes(c));
      const order = [...ORDER_COLUMNS.filter((c) => t.columns.includes(c)), label].filter((c) => c !== undefined).map((c) => `${client.escapeIdentifier(c)} DESC NULLS LAST`);
      const all = `SELECT ${history} AS history, t::text AS row, NULL AS last FROM ${table} t`;
      return label ? [all, `SELECT ${history}, NULL, (SELECT ${client.escapeIdentifier(label)}::text FROM ${table} ORDER BY ${order.join(', ')} LIMIT 1)`] : [all];
    });
    const results = others.length === 0 ? [] : (await client.query(selects.map((q) => `(${q})`).join(' UNION ALL '))).rows as { history: string; row: string | null; last: string | null }[];
    const rows = results.filter((r): r is { history: string; row: string; last: null } => r.row !== null);
    const latest: Record<string, string> = {};
    for (const r of results) if (r.last !== null) latest[r.history] = r.last;
    const counts: Record<string, number> = {};
    if (hasOurs) counts.devenv_migrations = ours.length;
    for (const t of others) counts[`${t.schema}.${t.name}`] = 0;
    for (const r of rows) counts[r.history]! += 1;
    const hash = createHash('sha256').update(ours.map((r) => `${r.name}\t${r.checksum}`).join('\n'));
    const devenvHash = hash.copy().digest('hex').slice(0, 16);
    if (rows.length > 0) hash.update(`\n\n${rows.map((r) => `${r.history}\t${r.row}`).sort().join('\n')}`);
    // Files, not the `step:` records of when: fresh steps.
    const last = ours.filter((r) => !r.name.startsWith('step:')).at(-1)?.name;
    return { count: ours.length + rows.length, ...(last ? { last } : {}), ...(Object.keys(latest).length > 0 ? { latest } : {}), hash: hash.digest('hex').slice(0, 16), tables: counts, devenvHash };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function listSnapshots(conn: PgConnection): Promise<Snapshot[]> {
  return admin(conn, async (client) => {
    const r = await client.query(
      "SELECT datname, pg_database_size(oid)::bigint AS size, shobj_description(oid, 'pg_database') AS meta FROM pg_database WHERE left(datname, $2) = $1 ORDER BY datname",
      [SNAPSHOT_PREFIX, SNAPSHOT_PREFIX.length],
    );
    return (r.rows as { datname: string; size: string; meta: string | null }[]).map((row) => {
      let meta: Partial<Snapshot> = {};
      try {
        meta = JSON.parse(row.meta ?? '{}') as Partial<Snapshot>;
      } catch {
        // A comment someone else wrote: the snapshot is listed without it.
      }
      return {
        name: row.datname.slice(SNAPSHOT_PREFIX.length),
        size: Number(row.size),
        takenAt: meta.takenAt ?? '',
        database: meta.database ?? '',
        migrations: meta.migrations ?? { count: 0, hash: '' },
      };
    }).sort((a, b) => (a.takenAt === b.takenAt ? (a.name < b.name ? -1 : 1) : a.takenAt < b.takenAt ? -1 : 1)); // By time, then name: not the locale's collation.
  });
}

/** Copies the database into a snapshot (its sessions are ended first: a template must be idle). */
export async function takeSnapshot(conn: PgConnection, name: string): Promise<{ snapshot: Snapshot; disconnected: number }> {
  // Read on its own connection while the maintenance one connects; closed before the copy, which
  // needs the database idle.
  const reading = migrationState(conn);
  reading.catch(() => undefined);
  return admin(conn, async (client) => {
    const target = SNAPSHOT_PREFIX + name;
    const found = await existing(client, [target, SPARE_PREFIX + name]);
    if (found.has(target)) {
      throw new DevenvError('USAGE', `a snapshot named "${name}" exists already`, { hint: `Pick another name, or delete it first: \`devenv db snapshot --delete ${name}\`.` });
    }
    const migrations = await reading;
    // A spare of an earlier snapshot of this name (deleted by hand, say) is not a copy of this one.
    if (found.has(SPARE_PREFIX + name)) await client.query(`DROP DATABASE IF EXISTS ${ident(client, SPARE_PREFIX + name)}`);
    const disconnected = await alone(client, conn.database, await copySql(client, target, conn.database));
    const meta = { database: conn.database, takenAt: new Date().toISOString(), migrations };
    // One round trip: nobody connects to a snapshot (a session on it would block every restore).
    const results = (await client.query(`COMMENT ON DATABASE ${ident(client, target)} IS ${client.escapeLiteral(JSON.stringify(meta))};
      ALTER DATABASE ${ident(client, target)} WITH ALLOW_CONNECTIONS false;
      SELECT pg_database_size(${client.escapeLiteral(target)})::bigint AS size`)) as unknown as pg.QueryResult[];
    const size = Number(results.at(-1)!.rows[0].size);
    return { snapshot: { name, size, ...meta }, disconnected };
  });
}

/**
 * Replaces the database with a copy of the snapshot: its spare, else one made now under another name.
 * Atomic for the user: the copy is swapped in by renames in one transaction, so on failure the
 * database is as it was.
 */
export async function restoreSnapshot(conn: PgConnection, name: string): Promise<Swap> {
  return admin(conn, async (client) => {
    const found = await existing(client, [SNAPSHOT_PREFIX + name, SPARE_PREFIX + name, ...leftovers(conn.database)]);
    await requireSnapshot(client, name, found);
    await dropLeftovers(client, conn.database, found);
    // The spare copy made after the last snapshot or restore of it, else a copy made now.
    const spare = (await validSpare(client, name, found)) ? SPARE_PREFIX + name : undefined;
    if (!spare) await copyDatabase(client, RESTORING, SNAPSHOT_PREFIX + name);
    return { disconnected: await replaceWith(client, conn.database, spare ?? RESTORING, !spare), spare: Boolean(spare) };
  });
}

/** A new empty database for `db load --replace` to load into; returns its name. */
export async function prepareLoad(conn: PgConnection): Promise<string> {
  return admin(conn, async (client) => {
    await dropLeftovers(client, conn.database);
    await copyDatabase(client, LOADING, 'template0', conn.user);
    return LOADING;
  });
}

export async function dropLoad(conn: PgConnection): Promise<void> {
  await admin(conn, (client) => drop(client, LOADING));
}

/** Swaps the loaded database in for the current one, as a restore does (one transaction, properties carried over). */
export async function swapInLoad(conn: PgConnection): Promise<Swap> {
  return admin(conn, async (client) => ({ disconnected: await replaceWith(client, conn.database, LOADING, false), spare: false }));
}

export function deleteSnapshot(conn: PgConnection, name: string): Promise<void> {
  return admin(conn, async (client) => {
    await requireSnapshot(client, name);
    await client.query(`DROP DATABASE IF EXISTS ${ident(client, SPARE_PREFIX + name)}`);
    await client.query(`DROP DATABASE ${ident(client, SNAPSHOT_PREFIX + name)}`);
  });
}

async function requireSnapshot(client: pg.Client, name: string, known?: Map<string, Present>): Promise<void> {
  if (!(known ? known.has(SNAPSHOT_PREFIX + name) : await has(client, SNAPSHOT_PREFIX + name))) {
    const names = (await named(client, SNAPSHOT_PREFIX)).map((datname) => datname.slice(SNAPSHOT_PREFIX.length));
    throw new DevenvError('USAGE', `no snapshot named "${name}"`, {
      hint: names.length > 0 ? `The snapshots are ${names.join(', ')} (\`devenv db snapshots\` lists them).` : 'There are none yet: `devenv db snapshot NAME` takes one.',
    });
  }
}
