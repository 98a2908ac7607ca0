/**
 * Applies a `sql:` migration: the folder's .sql files in lexical order, each in its own
 * transaction together with its row in devenv_migrations. A session advisory lock serialises
 * concurrent devenv runs against the same database; the second one then skips what the first applied.
 */
import type pg from 'pg';
import { DevenvError } from '../errors.js';
import { interrupted, throwIfAborted } from '../util/retry.js';
import { connectClient, describeAddress, errorMessage, type PgConnection } from './connection.js';
import { describeSqlError, type PgErrorFields } from './sql-error.js';
import { readSqlFiles, type SqlFile } from './sql-files.js';
import { isAlive } from '../supervisor/pids.js';

export interface SqlMigrationEvent {
  type: 'applied' | 'skipped';
  file: string;
  /** How long applying took (applied only). */
  ms?: number;
}

export interface ApplySqlMigrationsOptions {
  signal?: AbortSignal;
  onEvent?: (event: SqlMigrationEvent) => void;
  connectTimeoutMs?: number;
}

/** "devenv" in ASCII: the advisory lock key every devenv run takes on the database. */
const LOCK_KEY = '110386840645238';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS devenv_migrations (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

export async function applySqlMigrations(
  conn: PgConnection,
  migration: { name: string; dir: string },
  options: ApplySqlMigrationsOptions = {},
): Promise<{ applied: string[]; skipped: string[]; ended: EndedSession[] }> {
  const { signal } = options;
  const prefix = `migration "${migration.name}"`;
  const files = await readSqlFiles(migration.name, migration.dir);
  throwIfAborted(signal);

  const client = await connectClient(conn, { connectTimeoutMs: options.connectTimeoutMs ?? 10_000 }).catch((error: unknown) => {
    throw new DevenvError(
      'MIGRATION_FAILED',
      `${prefix}: cannot connect to Postgres at ${describeAddress(conn)} as "${conn.user}": ${errorMessage(error, conn)}`,
      { cause: error },
    );
  });
  // A closed socket alone does not stop a running statement: the server notices only when it next
  // talks to the client, and until then keeps the file's transaction and the advisory lock, which
  // would block the next \`up\`. So the server is told to end the session; it rolls the file back.
  const onAbort = () => void terminateSession(conn, client).finally(() => client.end().catch(() => undefined));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const ended = await endOrphanedSessions(client);
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(CREATE_TABLE);
    const recorded = await recordedChecksums(client, migration.name);
    checkUnchanged(prefix, files, recorded, migration.name);

    const applied: string[] = [];
    const skipped: string[] = [];
    for (const file of files) {
      throwIfAborted(signal);
      if (recorded.has(`${migration.name}/${file.file}`)) {
        skipped.push(file.file);
        options.onEvent?.({ type: 'skipped', file: file.file });
        continue;
      }
      const started = performance.now();
      await applyFile(client, prefix, `${migration.name}/${file.file}`, file);
      applied.push(file.file);
      options.onEvent?.({ type: 'applied', file: file.file, ms: Math.round(performance.now() - started) });
    }
    return { applied, skipped, ended };
  } catch (error) {
    if (signal?.aborted) throw interrupted();
    if (error instanceof DevenvError) throw error;
    throw new DevenvError('MIGRATION_FAILED', `${prefix}: ${errorMessage(error, conn)}`, { cause: error });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Ending the session also releases the advisory lock.
    await client.end().catch(() => undefined);
  }
}

/** A session of a devenv that was killed mid-migration, ended so that this run does not wait on it. */
export interface EndedSession {
  pid: number;
  /** How long its last statement had been running, in seconds. */
  runningSeconds: number;
}

/**
 * A devenv killed (kill -9, a crash) while a statement ran leaves its session on the server, holding
 * the migration lock until the statement ends, however long that takes. A session named after a
 * devenv process that no longer exists (see APPLICATION_NAME) is such a leftover: it is ended, and its
 * open transaction rolled back. A live devenv's session is waited for, as before.
 */
async function endOrphanedSessions(client: pg.Client): Promise<EndedSession[]> {
  const holders = await client.query<{ pid: number; secs: number; app: string }>(
    `SELECT a.pid, coalesce(extract(epoch FROM now() - a.query_start), 0)::int AS secs, a.application_name AS app
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'devenv/%' AND a.pid <> pg_backend_pid()
        AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
    [LOCK_KEY],
  );
  const orphans = holders.rows.filter((r) => {
    const pid = Number(r.app.slice('devenv/'.length));
    return Number.isInteger(pid) && pid > 0 && !isAlive(pid);
  });
  for (const o of orphans) await client.query('SELECT pg_terminate_backend($1)', [o.pid]);
  return orphans.map((o) => ({ pid: o.pid, runningSeconds: o.secs }));
}

async function terminateSession(conn: PgConnection, client: pg.Client): Promise<void> {
  const pid = (client as unknown as { processID?: number }).processID;
  if (pid === undefined) return;
  const killer = await connectClient(conn, { connectTimeoutMs: 2000, queryTimeoutMs: 2000 }).catch(() => undefined);
  if (!killer) return;
  await killer.query('SELECT pg_terminate_backend($1)', [pid]).catch(() => undefined);
  await killer.end().catch(() => undefined);
}

async function recordedChecksums(client: pg.Client, migrationName: string): Promise<Map<string, string>> {
  // Compare with the prefix in JS rather than LIKE, so "_" or "%" in a name match nothing else.
  const result = await client.query<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM devenv_migrations WHERE left(name, $2) = $1',
    [`${migrationName}/`, migrationName.length + 1],
  );
  return new Map(result.rows.map((r) => [r.name, r.checksum]));
}

/** Fails before anything is applied when a file that was applied has changed since. */
function checkUnchanged(prefix: string, files: SqlFile[], recorded: Map<string, string>, migrationName: string): void {
  for (const file of files) {
    const was = recorded.get(`${migrationName}/${file.file}`);
    if (was === undefined || was === file.checksum) continue;
    throw new DevenvError(
      'MIGRATION_FAILED',
      `${prefix}: ${file.file} was already applied but its content changed (checksum ${short(was)} ≠ ${short(file.checksum)})`,
      { hint: 'Add a new migration file instead of editing an applied one; or reset the database with `devenv down --volumes`.' },
    );
  }
}

async function applyFile(client: pg.Client, prefix: string, name: string, file: SqlFile): Promise<void> {
  await client.query('BEGIN');
  try {
    // Simple query protocol (no parameters), so a file may hold many statements.
    await client.query(file.sql);
    await client.query('INSERT INTO devenv_migrations (name, checksum) VALUES ($1, $2)', [name, file.checksum]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw fileFailed(prefix, file, error);
  }
}

function fileFailed(prefix: string, file: SqlFile, error: unknown): DevenvError {
  if (!isPgError(error)) return new DevenvError('MIGRATION_FAILED', `${prefix}: ${file.file} failed: ${String(error)}`, { cause: error });
  const report = describeSqlError(file.sql, error);
  const where = report.line === undefined ? '' : ` at line ${report.line}`;
  return new DevenvError('MIGRATION_FAILED', `${prefix}: ${file.file} failed: ${error.message}${where}`, {
    hint: `Fix ${file.file}; the files before it stay applied and the next run starts from it.`,
    details: [...report.excerpt, ...report.notes],
    cause: error,
  });
}

function isPgError(error: unknown): error is Error & PgErrorFields {
  return error instanceof Error && typeof (error as { severity?: unknown }).severity === 'string';
}

function short(checksum: string): string {
  return `${checksum.slice(0, 12)}…`;
}
