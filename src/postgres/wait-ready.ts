/**
 * Waits until Postgres accepts a real connection with the service's credentials.
 * An open port is not enough: the official image runs a temporary server during first
 * initialisation and restarts it. That temporary server listens on the Unix socket only
 * (listen_addresses=''), so a successful TCP connection means the final server is up.
 */
import { DevenvError } from '../errors.js';
import { realClock, retryUntil, type Clock } from '../util/retry.js';
import { connectClient, describeAddress, errorMessage, type PgConnection } from './connection.js';
import { pingPostgres } from './ping.js';
import { DEVENV_DATABASE } from './snapshot-name.js';

export interface WaitForPostgresOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  clock?: Clock;
  /** Called after each failed attempt; a string (why it is dead) fails the wait at once. */
  isAlive?: () => Promise<string | undefined>;
  /** The devenv.yml service name, for the hint. */
  service?: string;
  /** Where the user finds the database's logs, for the hints; default: `devenv logs <service>`. */
  logsHint?: string;
  /** The user the data volume was initialised with, when known: a refused password then names it. */
  initialisedUser?: string;
  /**
   * Ask only whether the server accepts connections (pingPostgres), without logging in: for a running
   * container whose credentials have not changed since it was ready.
   */
  quick?: boolean;
}

/** How often a failed attempt also asks whether the container still runs. */
const ALIVE_CHECK_MS = 500;

/** Each attempt's connect timeout: short, so one hung attempt cannot eat the whole deadline. */
const MAX_ATTEMPT_MS = 2000;

export async function waitForPostgres(
  conn: PgConnection,
  options: WaitForPostgresOptions,
): Promise<{ attempts: number; elapsedMs: number }> {
  const address = describeAddress(conn);
  const logsHint = options.logsHint ?? (options.service ? `run \`devenv logs ${options.service}\`` : 'read the logs of the database service');
  const clock = options.clock ?? realClock;
  const start = clock.now();
  let attempts = 0;
  let lastAliveCheck = -Infinity;

  await retryUntil(
    async ({ remainingMs }) => {
      attempts++;
      const attemptMs = Math.min(MAX_ATTEMPT_MS, Math.max(remainingMs, 250));
      const { reason, code } = options.quick ? { reason: await pingPostgres(conn, attemptMs), code: undefined } : await trySelectOne(conn, attemptMs);
      if (reason === undefined) return { done: true, value: undefined };
      // The final server answered and refused these credentials: waiting cannot help. The usual cause
      // is a data volume initialised with other ones (a changed password, or a deleted .devenv/).
      if (code === NO_SUCH_DATABASE) throw await missingDatabase(conn, reason, options.service);
      if (code === WRONG_PASSWORD && options.initialisedUser && options.initialisedUser !== conn.user) {
        const service = options.service ?? 'the database service';
        throw new DevenvError('DATABASE_NOT_READY', `Postgres at ${address} refused the configured credentials: ${reason}; its data volume was initialised with user "${options.initialisedUser}"`, {
          hint: `Postgres creates the user only when its data volume is new. Set \`user: ${options.initialisedUser}\` under ${service}.postgres in devenv.yml to use the data, or start over with \`devenv down --volumes\` (deletes the volume's data).`,
        });
      }
      if (code === WRONG_PASSWORD) {
        throw new DevenvError('DATABASE_NOT_READY', `Postgres at ${address} refused the configured credentials: ${reason}`, {
          hint: 'The data volume was initialised with another user, password or database. Restore the old values where they come from (devenv.yml, a variable it reads from the environment or .env, or .devenv/secrets.json for a generated password), or reset the data with `devenv down --volumes`.',
        });
      }
      // An inspect per attempt would cost more than the attempt: ask at most twice a second.
      let dead: string | undefined;
      if (clock.now() - lastAliveCheck >= ALIVE_CHECK_MS) {
        lastAliveCheck = clock.now();
        dead = await options.isAlive?.();
      }
      if (dead !== undefined) {
        throw new DevenvError(
          'DATABASE_NOT_READY',
          `Postgres at ${address} stopped before accepting a connection: ${dead}; last error: ${reason}`,
          { hint: `Check the database service's settings in devenv.yml, or ${logsHint}.` },
        );
      }
      return { done: false, reason };
    },
    {
      timeoutMs: options.timeoutMs,
      // A refused connection to 127.0.0.1 costs about a millisecond: poll often, so readiness is seen
      // within ~50 ms of Postgres reaching it.
      initialIntervalMs: 25,
      maxIntervalMs: 50,
      factor: 1.5,
      signal: options.signal,
      clock,
      onTimeout: (lastReason) =>
        new DevenvError(
          'DATABASE_NOT_READY',
          `Postgres at ${address} did not accept a connection as "${conn.user}" within ${formatSeconds(options.timeoutMs)}; last error: ${lastReason}`,
          { hint: `Raise \`health.timeout\` of the database service in devenv.yml, or ${logsHint}.` },
        ),
    },
  );
  return { attempts, elapsedMs: Math.round(clock.now() - start) };
}

const WRONG_PASSWORD = '28P01';
const NO_SUCH_DATABASE = '3D000';

/**
 * The configured database is not on the server: its volume was initialised with another `database`
 * (Postgres creates it only on a new volume), or it was renamed or dropped by hand. The credentials
 * work, so the server says which databases it has.
 */
async function missingDatabase(conn: PgConnection, reason: string, service = 'the database service'): Promise<DevenvError> {
  let others: string[] = [];
  try {
    const client = await connectClient({ ...conn, database: conn.database === 'postgres' ? 'template1' : 'postgres' }, { connectTimeoutMs: 2000, queryTimeoutMs: 2000 });
    try {
      // Not devenv's own (snapshots, spares) nor the server's.
      const r = await client.query("SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres' AND left(datname, length($1)) <> $1 ORDER BY datname", [DEVENV_DATABASE]);
      others = (r.rows as { datname: string }[]).map((row) => row.datname);
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch {
    // Only a better message was lost.
  }
  const quoted = others.map((d) => `"${d}"`).join(', ');
  const db = service === 'the database service' ? 'DB' : service;
  const [only] = others;
  return new DevenvError('DATABASE_NOT_READY', `Postgres at ${describeAddress(conn)} has no database "${conn.database}"${others.length > 0 ? `; its data volume holds ${quoted}` : ''} (${reason})`, {
    hint: `Postgres creates the database only when its data volume is new. ${only && others.length === 1
      ? `To use the data: set \`database: ${only}\` under ${service}.postgres in devenv.yml. To keep it under the new name: with ${only} set back, \`devenv up -d ${db}\` (the database alone: nothing connected to it), \`devenv exec ${db} -- psql -d postgres -c 'ALTER DATABASE "${only}" RENAME TO "${conn.database}"'\`, then set ${conn.database} again (snapshots keep the old name). `
      : others.length > 1 ? `Name one of them under ${service}.postgres.database in devenv.yml. ` : ''}To start over with an empty database: \`devenv down --volumes\` (deletes the volume's data).`,
  });
}

/** One `SELECT 1`: undefined when it ran, else why not (`ps` shows it). */
export async function checkPostgres(conn: PgConnection, timeoutMs: number): Promise<string | undefined> {
  return (await trySelectOne(conn, timeoutMs)).reason;
}

/** reason undefined when `SELECT 1` ran; otherwise why not, with the server's SQLSTATE if it answered. */
async function trySelectOne(conn: PgConnection, timeoutMs: number): Promise<{ reason?: string; code?: string }> {
  try {
    const client = await connectClient(conn, { connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs });
    try {
      await client.query('SELECT 1');
      return {};
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (error) {
    return { reason: errorMessage(error, conn), code: (error as { code?: string }).code };
  }
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
