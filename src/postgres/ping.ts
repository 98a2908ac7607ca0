/**
 * Whether a Postgres server accepts connections, the way pg_isready asks: a startup message, and
 * the server's first answer. An authentication request means it accepts; no login, no query. It
 * costs a third of a full connection (no SCRAM round trips), so it is the check for a database
 * container that is already running and whose credentials have not changed since it was ready.
 * Like the full check, it goes over TCP, which the image's temporary init server does not listen on.
 */
import net from 'node:net';
import type { PgConnection } from './connection.js';

/** Protocol 3.0. */
const PROTOCOL_VERSION = 196608;

/** undefined when the server accepts connections; else why not. */
export function pingPostgres(conn: Pick<PgConnection, 'host' | 'port' | 'user' | 'database'>, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(conn.port, conn.host);
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.on('error', (error) => done(error.message));
    socket.on('close', () => done('Connection terminated unexpectedly'));
    socket.on('connect', () => socket.write(startupMessage(conn.user, conn.database)));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const type = String.fromCharCode(received[0]!);
      if (type === 'R') return done(undefined);
      if (type !== 'E') return done(`unexpected answer "${type}"`);
      // An error: its text, once all of it is here ("the database system is starting up").
      if (received.length < 5 || received.length < 1 + received.readInt32BE(1)) return;
      done(errorText(received.subarray(5, 1 + received.readInt32BE(1))));
    });
  });
}

function startupMessage(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
  const message = Buffer.alloc(8 + params.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(PROTOCOL_VERSION, 4);
  params.copy(message, 8);
  return message;
}

/** The M (message) field of an ErrorResponse, e.g. "the database system is starting up". */
function errorText(fields: Buffer): string {
  for (let i = 0; i < fields.length && fields[i] !== 0;) {
    const end = fields.indexOf(0, i + 1);
    if (end < 0) break;
    if (String.fromCharCode(fields[i]!) === 'M') return fields.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return 'the server refused the connection';
}
