/**
 * `when: fresh` steps run once per database: a row in the database itself records that they ran,
 * so a new volume (or a reset database) runs them again and nothing else does.
 */
import { connectClient, describeAddress, errorMessage, type PgConnection } from './connection.js';
import { DevenvError } from '../errors.js';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS devenv_migrations (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

const key = (step: string) => `step:${step}`;

async function withClient<T>(conn: PgConnection, step: string, use: (query: (sql: string, values?: unknown[]) => Promise<{ rowCount: number | null }>) => Promise<T>): Promise<T> {
  const client = await connectClient(conn, { connectTimeoutMs: 10_000, queryTimeoutMs: 10_000 }).catch((error: unknown) => {
    throw new DevenvError('MIGRATION_FAILED', `migration "${step}": cannot connect to Postgres at ${describeAddress(conn)} to check whether it ran: ${errorMessage(error, conn)}`, { cause: error });
  });
  try {
    await client.query(CREATE_TABLE);
    return await use((sql, values) => client.query(sql, values));
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function stepHasRun(conn: PgConnection, step: string): Promise<boolean> {
  return withClient(conn, step, async (query) => ((await query('SELECT 1 FROM devenv_migrations WHERE name = $1', [key(step)])).rowCount ?? 0) > 0);
}

export function recordStepRun(conn: PgConnection, step: string): Promise<void> {
  return withClient(conn, step, async (query) => {
    await query("INSERT INTO devenv_migrations (name, checksum) VALUES ($1, 'when: fresh') ON CONFLICT (name) DO NOTHING", [key(step)]);
  });
}
