import type { Clock } from '../../../src/util/retry.js';
import { interrupted } from '../../../src/util/retry.js';

/**
 * Virtual time: sleep() advances now() at once and records the pause, so waits of minutes take
 * no real time. onSleep runs before the sleep resolves (e.g. to abort a signal mid-wait).
 */
export class FakeClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  onSleep?: (ms: number) => void;

  now(): number {
    return this.time;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw interrupted();
    this.sleeps.push(ms);
    this.onSleep?.(ms);
    if (signal?.aborted) throw interrupted();
    this.time += ms;
  }

  advance(ms: number): void {
    this.time += ms;
  }
}
