import { describe, expect, it } from 'vitest';
import { DevenvError } from '../../../src/errors.js';
import { realClock, retryUntil, type AttemptResult } from '../../../src/util/retry.js';
import { FakeClock } from './fake-clock.js';

const notYet = (reason: string): AttemptResult<never> => ({ done: false, reason });
const timeoutError = (reason: string, ms: number) => new Error(`timed out after ${ms} ms: ${reason}`);

describe('retryUntil', () => {
  it('returns the value of the first successful attempt', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const value = await retryUntil(
      async () => (++calls < 3 ? notYet(`attempt ${calls}`) : { done: true, value: 'ok' }),
      { timeoutMs: 10_000, clock, onTimeout: timeoutError },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(clock.sleeps).toEqual([50, 75]);
  });

  it('backs off by the factor up to the maximum interval', async () => {
    const clock = new FakeClock();
    await expect(
      retryUntil(async () => notYet('down'), {
        timeoutMs: 1000,
        initialIntervalMs: 50,
        maxIntervalMs: 250,
        factor: 2,
        clock,
        onTimeout: timeoutError,
      }),
    ).rejects.toThrow('timed out after 1000 ms: down');
    // 50+100+200+250+250 = 850, then the pause is cut to the 150 ms left before the deadline.
    expect(clock.sleeps).toEqual([50, 100, 200, 250, 250, 150]);
  });

  it('keeps the first interval for steadyMs, then backs off', async () => {
    const clock = new FakeClock();
    await expect(
      retryUntil(async () => notYet('down'), {
        timeoutMs: 1000,
        initialIntervalMs: 100,
        maxIntervalMs: 400,
        factor: 2,
        steadyMs: 300,
        clock,
        onTimeout: timeoutError,
      }),
    ).rejects.toThrow('timed out after 1000 ms: down');
    // Attempts at 0, 100, 200 and 300 pause 100 each; from 300 on the pauses grow: 200, then 400 (to the deadline).
    expect(clock.sleeps).toEqual([100, 100, 100, 100, 200, 400]);
  });

  it('throws the onTimeout error with the last reason and the elapsed time', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const error = await retryUntil(async () => notYet(`failure ${++calls}`), {
      timeoutMs: 60_000,
      clock,
      onTimeout: timeoutError,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`timed out after 60000 ms: failure ${calls}`);
    // With the defaults (50 ms × 1.5 up to 1 s) a minute holds a bit over 60 attempts, not thousands.
    expect(calls).toBeGreaterThan(55);
    expect(calls).toBeLessThan(75);
  });

  it('counts the time attempts themselves take against the deadline', async () => {
    const clock = new FakeClock();
    let calls = 0;
    await expect(
      retryUntil(
        async () => {
          calls++;
          clock.advance(400);
          return notYet('slow');
        },
        { timeoutMs: 1000, clock, onTimeout: timeoutError },
      ),
    ).rejects.toThrow(/timed out after \d+ ms: slow/);
    expect(calls).toBe(3);
  });

  it('tells each attempt how much time is left', async () => {
    const clock = new FakeClock();
    const seen: Array<[number, number]> = [];
    await retryUntil(
      async ({ attempt, remainingMs }) => {
        seen.push([attempt, remainingMs]);
        return attempt === 3 ? { done: true, value: undefined } : notYet('no');
      },
      { timeoutMs: 1000, clock, onTimeout: timeoutError },
    );
    expect(seen).toEqual([
      [1, 1000],
      [2, 950],
      [3, 875],
    ]);
  });

  it('stops at once when an attempt throws, with that error', async () => {
    const clock = new FakeClock();
    const fatal = new DevenvError('DATABASE_NOT_READY', 'container exited with code 1');
    let calls = 0;
    await expect(
      retryUntil(
        async () => {
          if (++calls === 2) throw fatal;
          return notYet('starting');
        },
        { timeoutMs: 60_000, clock, onTimeout: timeoutError },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(2);
    expect(clock.now()).toBe(50);
  });

  it('rejects with INTERRUPTED when the signal aborts during a pause', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    clock.onSleep = () => {
      if (clock.sleeps.length === 3) controller.abort();
    };
    const error = await retryUntil(async () => notYet('down'), {
      timeoutMs: 60_000,
      clock,
      signal: controller.signal,
      onTimeout: timeoutError,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevenvError);
    expect(error).toMatchObject({ code: 'INTERRUPTED', message: 'interrupted' });
  });

  it('rejects with INTERRUPTED when the signal aborts during an attempt that never settles', async () => {
    const controller = new AbortController();
    const pending = retryUntil(() => new Promise<AttemptResult<void>>(() => undefined), {
      timeoutMs: 60_000,
      clock: new FakeClock(),
      signal: controller.signal,
      onTimeout: timeoutError,
    });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });

  it('does not attempt at all when the signal is already aborted', async () => {
    let calls = 0;
    await expect(
      retryUntil(async () => notYet(`attempt ${++calls}`), {
        timeoutMs: 1000,
        clock: new FakeClock(),
        signal: AbortSignal.abort(),
        onTimeout: timeoutError,
      }),
    ).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(calls).toBe(0);
  });
});

describe('realClock', () => {
  it('sleeps about the given time', async () => {
    const start = realClock.now();
    await realClock.sleep(30);
    expect(realClock.now() - start).toBeGreaterThanOrEqual(25);
  });

  it('rejects a sleep with INTERRUPTED as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const start = realClock.now();
    setTimeout(() => controller.abort(), 10);
    await expect(realClock.sleep(10_000, controller.signal)).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(realClock.now() - start).toBeLessThan(1000);
  });
});
