/**
 * waitForPostgres against a local socket that is not Postgres, with virtual time:
 * the deadline, the message and isAlive without a database or real waiting.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevenvError } from '../../../src/errors.js';
import { waitForPostgres } from '../../../src/postgres/wait-ready.js';
import { FakeClock } from '../util/fake-clock.js';

/** Accepts and drops every connection, as a published port does while nothing listens behind it. */
let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const conn = () => ({ host: '127.0.0.1', port, user: 'calsite', password: 'hunter2-long', database: 'calsite' });

describe('waitForPostgres (no database)', () => {
  it('times out after the deadline of virtual time with the last error', async () => {
    const clock = new FakeClock();
    const error = await waitForPostgres(conn(), { timeoutMs: 60_000, clock, service: 'db' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevenvError);
    expect(error).toMatchObject({
      code: 'DATABASE_NOT_READY',
      message: `Postgres at 127.0.0.1:${port} did not accept a connection as "calsite" within 60 s; last error: Connection terminated unexpectedly`,
      hint: 'Raise `health.timeout` of the database service in devenv.yml, or run `devenv logs db`.',
    });
    // Polls at 25 ms first, backing off to 50 ms.
    expect(clock.sleeps.slice(0, 3)).toEqual([25, 37.5, 50]);
    expect(Math.max(...clock.sleeps)).toBe(50);
  });

  it('fails at the first failed attempt when isAlive says the container is gone', async () => {
    const clock = new FakeClock();
    const error = await waitForPostgres(conn(), {
      timeoutMs: 60_000,
      clock,
      isAlive: async () => 'container exited with code 1',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'DATABASE_NOT_READY',
      message: `Postgres at 127.0.0.1:${port} stopped before accepting a connection: container exited with code 1; last error: Connection terminated unexpectedly`,
    });
    expect(clock.sleeps).toEqual([]);
  });

  it('keeps polling while isAlive reports nothing, asking it at most every 500 ms', async () => {
    const clock = new FakeClock();
    let checks = 0;
    await expect(
      waitForPostgres(conn(), { timeoutMs: 3000, clock, isAlive: async () => (checks++, undefined) }),
    ).rejects.toMatchObject({ code: 'DATABASE_NOT_READY' });
    expect(checks).toBeGreaterThanOrEqual(5);
    expect(checks).toBeLessThanOrEqual(7);
    expect(clock.sleeps.length).toBeGreaterThan(20);
  });

  it('formats a fractional timeout in seconds', async () => {
    await expect(waitForPostgres(conn(), { timeoutMs: 1500, clock: new FakeClock() })).rejects.toThrow('within 1.5 s;');
  });
});
