import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevenvError } from '../../../src/errors.js';
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

  it('with a wrong password, times out with the last error and without the password', async () => {
    await waitForPostgres(pg.conn, { timeoutMs: 60_000 });
    const password = 'wrong-password-7788';
    const started = performance.now();
    const error = await waitForPostgres({ ...pg.conn, password }, { timeoutMs: 2000, service: 'db' }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;

    expect(error).toBeInstanceOf(DevenvError);
    const e = error as DevenvError;
    expect(e.code).toBe('DATABASE_NOT_READY');
    expect(e.message).toBe(
      `Postgres at 127.0.0.1:${pg.conn.port} did not accept a connection as "calsite" within 2 s; ` +
        'last error: password authentication failed for user "calsite"',
    );
    expect(e.hint).toBe('Raise `health.timeout` of the database service in devenv.yml, or run `devenv logs db`.');
    expect(`${e.message} ${e.hint} ${e.details.join(' ')}`).not.toContain(password);
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(5000);
  });

  it('fails at once when isAlive reports the container is gone', async () => {
    const started = performance.now();
    let checks = 0;
    const error = await waitForPostgres(
      { ...pg.conn, password: 'not-it-either' },
      {
        timeoutMs: 60_000,
        isAlive: async () => (++checks === 1 ? 'container exited with code 1' : undefined),
      },
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DevenvError);
    expect((error as DevenvError).code).toBe('DATABASE_NOT_READY');
    expect((error as DevenvError).message).toMatch(
      /^Postgres at 127\.0\.0\.1:\d+ stopped before accepting a connection: container exited with code 1; last error: password authentication failed/,
    );
    expect(checks).toBe(1);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('rejects with INTERRUPTED when aborted while waiting', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    await expect(
      waitForPostgres({ ...pg.conn, password: 'nope-nope' }, { timeoutMs: 60_000, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
