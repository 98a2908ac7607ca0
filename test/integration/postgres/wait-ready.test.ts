import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevenvError } from '../../../src/errors.js';
import { pingPostgres } from '../../../src/postgres/ping.js';
import { waitForPostgres } from '../../../src/postgres/wait-ready.js';
import { removeProject, uniqueProject } from '../../helpers/engine.js';
import { startPostgres, type PgContainer } from './pg-container.js';

const project = uniqueProject('pg');
let pg: PgContainer;

beforeAll(async () => {
  pg = await startPostgres(project);
});
afterAll(async () => {
  await removeProject(project);
});

describe('waitForPostgres', () => {
  it('succeeds on a freshly started container, once the final server accepts the credentials', async () => {
    const result = await waitForPostgres(pg.conn, { timeoutMs: 60_000, service: 'db' });
    console.log(`postgres ready after ${result.attempts} attempts in ${result.elapsedMs} ms`);
    expect(result.attempts).toBeGreaterThanOrEqual(1);
    // The temporary init server is socket-only, so success means the entrypoint has finished.
    const logs = (await pg.container.logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toContain('PostgreSQL init process complete; ready for start up.');
    // Ready stays ready: an immediate second wait needs one attempt.
    expect(await waitForPostgres(pg.conn, { timeoutMs: 5000 })).toMatchObject({ attempts: 1 });
  });

  it('with a wrong password, fails at once with a hint to reset the volume, never showing the password', async () => {
    await waitForPostgres(pg.conn, { timeoutMs: 60_000 });
    const password = 'wrong-password-7788';
    // A deadline far beyond the test's timeout: only failing at once can finish this test.
    const error = await waitForPostgres({ ...pg.conn, password }, { timeoutMs: 3_600_000, service: 'db' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DevenvError);
    const e = error as DevenvError;
    expect(e.code).toBe('DATABASE_NOT_READY');
    expect(e.message).toBe(
      `Postgres at 127.0.0.1:${pg.conn.port} refused the configured credentials: password authentication failed for user "calsite"`,
    );
    expect(e.hint).toContain('devenv down --volumes');
    expect(`${e.message} ${e.hint} ${e.details.join(' ')}`).not.toContain(password);
  }, 20_000);

  it('a refused password names the user the volume was initialised with, when that is another', async () => {
    await waitForPostgres(pg.conn, { timeoutMs: 60_000 });
    const error = await waitForPostgres({ ...pg.conn, user: 'bob' }, { timeoutMs: 3_600_000, service: 'db', initialisedUser: 'calsite' }).catch((e: unknown) => e);
    expect((error as DevenvError).message).toBe(`Postgres at 127.0.0.1:${pg.conn.port} refused the configured credentials: password authentication failed for user "bob"; its data volume was initialised with user "calsite"`);
    expect((error as DevenvError).hint).toContain('Set `user: calsite` under db.postgres in devenv.yml');
    // The same user: the password is what changed, and the message says no more than the server.
    const same = await waitForPostgres({ ...pg.conn, password: 'other-7788' }, { timeoutMs: 3_600_000, initialisedUser: 'calsite' }).catch((e: unknown) => e);
    expect((same as DevenvError).message).not.toContain('initialised with user');
  }, 20_000);

  it('a database the volume does not hold: fails at once, naming the ones it does hold and how to use them', async () => {
    await waitForPostgres(pg.conn, { timeoutMs: 60_000 });
    const error = await waitForPostgres({ ...pg.conn, database: 'renamed' }, { timeoutMs: 3_600_000, service: 'db' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevenvError);
    const e = error as DevenvError;
    expect(e.code).toBe('DATABASE_NOT_READY');
    expect(e.message).toBe(`Postgres at 127.0.0.1:${pg.conn.port} has no database "renamed"; its data volume holds "calsite" (database "renamed" does not exist)`);
    expect(e.hint).toContain('set `database: calsite` under db.postgres in devenv.yml');
    expect(e.hint).toContain(`with calsite set back, \`devenv up -d db\` (the database alone: nothing connected to it), \`devenv exec db -- psql -d postgres -c 'ALTER DATABASE "calsite" RENAME TO "renamed"'\`, then set renamed again`);
    expect(e.hint).toContain('`devenv down --volumes`');
  }, 20_000);

  it('times out naming the address, the deadline and the last error when nothing answers', async () => {
    const error = await waitForPostgres({ ...pg.conn, port: await closedPort() }, { timeoutMs: 1000, service: 'db' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevenvError);
    expect((error as DevenvError).message).toMatch(/^Postgres at 127\.0\.0\.1:\d+ did not accept a connection as "calsite" within 1 s; last error: .*ECONNREFUSED/);
    expect((error as DevenvError).hint).toBe('Raise `health.timeout` of the database service in devenv.yml, or run `devenv logs db`.');
  });

  it('fails at once when isAlive reports the container is gone', async () => {
    let checks = 0;
    const error = await waitForPostgres(
      { ...pg.conn, port: await closedPort() },
      {
        timeoutMs: 3_600_000,
        isAlive: async () => (++checks === 1 ? 'container exited with code 1' : undefined),
      },
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DevenvError);
    expect((error as DevenvError).code).toBe('DATABASE_NOT_READY');
    expect((error as DevenvError).message).toMatch(
      /^Postgres at 127\.0\.0\.1:\d+ stopped before accepting a connection: container exited with code 1; last error: .*ECONNREFUSED/,
    );
    expect(checks).toBe(1);
  }, 20_000);

  it('rejects with INTERRUPTED when aborted while waiting', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(
      waitForPostgres({ ...pg.conn, port: await closedPort() }, { timeoutMs: 3_600_000, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
  }, 20_000);
});

describe('pingPostgres (the quick check of a reused database)', () => {
  it('says a running server accepts connections, whatever the password, without logging in', async () => {
    await waitForPostgres(pg.conn, { timeoutMs: 60_000 });
    expect(await pingPostgres(pg.conn, 2000)).toBeUndefined();
    expect(await waitForPostgres({ ...pg.conn, password: 'not-checked' }, { timeoutMs: 5000, quick: true })).toMatchObject({ attempts: 1 });
  });

  it('says why not when nothing listens, or something that is not Postgres answers', async () => {
    expect(await pingPostgres({ ...pg.conn, port: await closedPort() }, 2000)).toMatch(/ECONNREFUSED/);
    const server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      expect(await pingPostgres({ ...pg.conn, port: (server.address() as AddressInfo).port }, 2000)).toBe('unexpected answer "H"');
    } finally {
      server.close();
    }
  });
});

/** A loopback port nothing listens on: connections are refused at once. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
