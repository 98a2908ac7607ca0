import { describe, expect, it } from 'vitest';
import { PullProgressTracker } from '../../../src/runtime/pull-progress.js';
import type { PullProgress } from '../../../src/runtime/runtime.js';

function tracker(intervalMs = 100) {
  let now = 0;
  const events: PullProgress[] = [];
  const t = new PullProgressTracker('node:20', (p) => events.push(p), intervalMs, () => now);
  return { t, events, tick: (ms: number) => (now += ms) };
}

describe('PullProgressTracker', () => {
  it('sums download bytes across layers and ignores extraction progress', () => {
    const { t } = tracker(0);
    t.push({ status: 'Pulling from library/node', id: '20' });
    t.push({ status: 'Pulling fs layer', progressDetail: {}, id: 'a' });
    t.push({ status: 'Pulling fs layer', progressDetail: {}, id: 'b' });
    t.push({ status: 'Downloading', progressDetail: { current: 100, total: 1000 }, id: 'a' });
    t.push({ status: 'Downloading', progressDetail: { current: 50, total: 500 }, id: 'b' });
    expect(t.snapshot()).toEqual({ image: 'node:20', current: 150, total: 1500, status: 'Downloading' });
    t.push({ status: 'Download complete', progressDetail: {}, id: 'a' });
    t.push({ status: 'Extracting', progressDetail: { current: 3, total: 1000 }, id: 'a' });
    expect(t.snapshot()).toMatchObject({ current: 1050, total: 1500, status: 'Extracting' });
    t.push({ status: 'Already exists', progressDetail: {}, id: 'c' });
    t.push({ status: 'Pull complete', progressDetail: {}, id: 'b' });
    expect(t.snapshot()).toMatchObject({ current: 1500, total: 1500 });
  });

  it('reports at most once per interval, and always at the end', () => {
    const { t, events, tick } = tracker(100);
    t.push({ status: 'Downloading', progressDetail: { current: 1, total: 10 }, id: 'a' });
    tick(30);
    t.push({ status: 'Downloading', progressDetail: { current: 2, total: 10 }, id: 'a' });
    tick(30);
    t.push({ status: 'Downloading', progressDetail: { current: 3, total: 10 }, id: 'a' });
    tick(50);
    t.push({ status: 'Downloading', progressDetail: { current: 4, total: 10 }, id: 'a' });
    t.push({ status: 'Status: Downloaded newer image for node:20' });
    t.finish();
    expect(events.map((e) => [e.current, e.status])).toEqual([
      [1, 'Downloading'],
      [4, 'Downloading'],
      [4, 'Status: Downloaded newer image for node:20'],
    ]);
  });

  it('keeps the error the stream reports', () => {
    const { t } = tracker();
    t.push({ errorDetail: { message: 'manifest for node:99 not found' }, error: 'manifest for node:99 not found' });
    expect(t.error).toBe('manifest for node:99 not found');
  });
});
