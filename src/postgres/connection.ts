/** How devenv reaches a Postgres service from the host, and the pg client it uses to do so. */
import type pg from 'pg';

/**
 * How devenv's sessions are named on the server (pg_stat_activity.application_name): with the pid of
 * the devenv process, so a later run can tell a dead devenv's session from a live one's.
 */
export const APPLICATION_NAME = `devenv/${process.pid}`;

export interface PgConnection {
  /** Always 127.0.0.1 for services devenv runs. */
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** "127.0.0.1:54321" — never contains the password. */
export function describeAddress(conn: PgConnection): string {
  return `${conn.host}:${conn.port}`;
}

/**
 * A connected client. Errors the server sends while the client idles (e.g. a shutdown) are
 * swallowed, since without a listener they would crash the process; the next query reports them.
 */
export async function connectClient(
  conn: PgConnection,
  options: { connectTimeoutMs: number; /** Per query; none when unset. */ queryTimeoutMs?: number },
): Promise<pg.Client> {
  // pg (~90 KB) loads with the first connection: an `up` that only pings reused databases never needs it.
  const { default: pgModule } = await import('pg');
  const client = new pgModule.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
    connectionTimeoutMillis: Math.max(1, Math.round(options.connectTimeoutMs)),
    application_name: APPLICATION_NAME,
    query_timeout: options.queryTimeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** The message of a pg or socket error, with the password masked should it ever appear. */
export function errorMessage(error: unknown, conn: Pick<PgConnection, 'password'>): string {
  const message = describe(error);
  // Short passwords are not masked: they would mangle ordinary words and reveal little.
  return conn.password.length >= 4 ? message.split(conn.password).join('***') : message;
}

function describe(error: unknown): string {
  // Node reports a failed connect to a name with several addresses as an AggregateError without a message.
  if (error instanceof AggregateError && !error.message) return [...new Set(error.errors.map(describe))].join('; ');
  return error instanceof Error ? error.message || error.name : String(error);
}
