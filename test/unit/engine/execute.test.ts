import { describe, expect, it } from 'vitest';
import { DevenvError } from '../../../src/errors.js';
import type { EngineEvent } from '../../../src/engine/events.js';
import { executePlan } from '../../../src/engine/execute.js';
import { PlanBuilder, type Plan } from '../../../src/engine/plan.js';

function diamond(): Plan {
  const b = new PlanBuilder();
  const a = b.add({ kind: 'network.create', name: 'a' }, 'test');
  const x = b.add({ kind: 'volume.create', name: 'x' }, 'test', [a]);
  const y = b.add({ kind: 'volume.create', name: 'y' }, 'test', [a]);
  b.add({ kind: 'volume.create', name: 'z' }, 'test', [x, y]);
  return { project: 'p', steps: b.steps };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('executePlan', () => {
  it('runs each step after its dependencies, independent steps together', async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    await executePlan(diamond(), async (step) => {
      running += 1;
      peak = Math.max(peak, running);
      log.push(`start ${step.id}`);
      await tick();
      log.push(`end ${step.id}`);
      running -= 1;
    });
    expect(log.indexOf('start 2')).toBeGreaterThan(log.indexOf('end 1'));
    expect(log.indexOf('start 4')).toBeGreaterThan(Math.max(log.indexOf('end 2'), log.indexOf('end 3')));
    expect(peak).toBe(2);
  });

  it('respects the concurrency limit', async () => {
    let running = 0;
    let peak = 0;
    await executePlan(diamond(), async () => {
      running += 1;
      peak = Math.max(peak, running);
      await tick();
      running -= 1;
    }, { concurrency: 1 });
    expect(peak).toBe(1);
  });

  it('stops at the first failure, reports skipped steps and rethrows the error', async () => {
    const events: EngineEvent[] = [];
    const failure = new DevenvError('ENGINE_ERROR', 'boom');
    await expect(executePlan(diamond(), async (step) => {
      if (step.id === 2) throw failure;
      await tick();
    }, { onEvent: (e) => events.push(e) })).rejects.toBe(failure);
    expect(events.filter((e) => e.type === 'step-skipped').map((e) => 'step' in e && e.step.id)).toEqual([4]);
    expect(events.some((e) => e.type === 'step-failed' && e.step.id === 2)).toBe(true);
  });

  it('passes an aborted signal to running steps and ends with INTERRUPTED', async () => {
    const controller = new AbortController();
    const seen: boolean[] = [];
    const run = executePlan(diamond(), async (_step, signal) => {
      controller.abort();
      seen.push(signal.aborted);
    }, { signal: controller.signal });
    await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(seen).toEqual([true]);
  });

  it('runs nothing when the signal was aborted before it started (Ctrl-C while planning)', async () => {
    const controller = new AbortController();
    controller.abort();
    const ran: number[] = [];
    await expect(executePlan(diamond(), async (step) => { ran.push(step.id); }, { signal: controller.signal }))
      .rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(ran).toEqual([]);
  });
});
