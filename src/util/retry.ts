/**
 * The one wait helper: every poll in devenv (readiness, health checks) goes through retryUntil,
 * and time goes through a Clock so tests can run waits without really waiting.
 */
import { DevenvError } from '../errors.js';

export interface Clock {
  /** Milliseconds; only differences matter. */
  now(): number;
  /** Resolves after ms; rejects with DevenvError INTERRUPTED as soon as signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(interrupted());
      const onAbort = () => {
        clearTimeout(timer);
        reject(interrupted());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export function interrupted(): DevenvError {
  return new DevenvError('INTERRUPTED', 'interrupted');
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw interrupted();
}

export interface RetryOptions {
  timeoutMs: number;
  /** First pause between attempts. Default 50. */
  initialIntervalMs?: number;
  /** Pauses grow up to this. Default 1000. */
  maxIntervalMs?: number;
  /** Growth of the pause after each failed attempt. Default 1.5. */
  factor?: number;
  /** Pauses stay at initialIntervalMs until this much time has passed (most things get ready early). Default 0. */
  steadyMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
}

export type AttemptResult<T> = { done: true; value: T } | { done: false; reason: string };

/** What an attempt may use to bound its own duration (e.g. a connect timeout). */
export interface AttemptInfo {
  /** 1-based. */
  attempt: number;
  /** Time left before the deadline; never below 0. */
  remainingMs: number;
}

/**
 * Calls attempt() until it returns { done: true, value } or the deadline passes. An attempt may
 * throw to stop at once (a fatal error); that error propagates unchanged. On timeout throws the
 * error made by onTimeout. One last attempt runs at the deadline, so a timeout never comes
 * from a pause alone. An abort rejects with DevenvError INTERRUPTED, even mid-attempt.
 */
export async function retryUntil<T>(
  attempt: (info: AttemptInfo) => Promise<AttemptResult<T>>,
  options: RetryOptions & { onTimeout: (lastReason: string, elapsedMs: number) => Error },
): Promise<T> {
  const clock = options.clock ?? realClock;
  const maxInterval = options.maxIntervalMs ?? 1000;
  const factor = options.factor ?? 1.5;
  const { signal } = options;
  const start = clock.now();
  const deadline = start + options.timeoutMs;
  let interval = Math.min(options.initialIntervalMs ?? 50, maxInterval);

  for (let n = 1; ; n++) {
    throwIfAborted(signal);
    const result = await abortable(attempt({ attempt: n, remainingMs: Math.max(0, deadline - clock.now()) }), signal);
    if (result.done) return result.value;
    const now = clock.now();
    if (now >= deadline) throw options.onTimeout(result.reason, now - start);
    await clock.sleep(Math.min(interval, deadline - now), signal);
    if (now - start >= (options.steadyMs ?? 0)) interval = Math.min(interval * factor, maxInterval);
  }
}

/** Settles with the promise, or rejects with INTERRUPTED when signal aborts first. */
function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      // The abandoned attempt may still fail later; nobody waits for it any more.
      promise.catch(() => undefined);
      reject(interrupted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
