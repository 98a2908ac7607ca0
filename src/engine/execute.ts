/**
 * execute: walks a plan, running each step once its dependencies are done, at most `concurrency`
 * at a time. It makes no decisions: what a step does is the handler's business.
 * The first failure (or an abort) stops scheduling; running steps see the aborted signal.
 */
import { DevenvError } from '../errors.js';
import type { EventSink } from './events.js';
import { describeStep, type Plan, type Step } from './plan.js';

export type StepHandler = (step: Step, signal: AbortSignal, progress: (message: string) => void) => Promise<string | void>;

export interface ExecuteOptions {
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: EventSink;
}

export async function executePlan(plan: Plan, handler: StepHandler, options: ExecuteOptions = {}): Promise<void> {
  const concurrency = options.concurrency ?? 4;
  const emit = options.onEvent ?? (() => {});
  const inner = new AbortController();
  const onAbort = () => inner.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // A Ctrl-C during observe or planning happened before the listener existed.
  if (options.signal?.aborted) onAbort();

  const done = new Set<number>();
  const started = new Set<number>();
  const running = new Map<number, Promise<void>>();
  let failure: unknown;

  const ready = () => plan.steps.filter((s) => !started.has(s.id) && s.deps.every((d) => done.has(d)));

  const run = async (step: Step): Promise<void> => {
    const t0 = performance.now();
    emit({ type: 'step-start', step });
    try {
      const detail = await handler(step, inner.signal, (message) => emit({ type: 'step-progress', step, message }));
      done.add(step.id);
      emit({ type: 'step-done', step, ms: performance.now() - t0, detail: detail ?? undefined });
    } catch (error) {
      emit({ type: 'step-failed', step, ms: performance.now() - t0, error });
      if (failure === undefined) failure = error;
      // The other running steps are cancelled, not failed: they must not report this step's error.
      inner.abort(new DevenvError('INTERRUPTED', `cancelled: ${describeStep(step)} failed`));
    }
  };

  try {
    for (;;) {
      if (failure === undefined && !inner.signal.aborted) {
        for (const step of ready()) {
          if (running.size >= concurrency) break;
          started.add(step.id);
          const p = run(step).finally(() => running.delete(step.id));
          running.set(step.id, p);
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }

  for (const step of plan.steps) if (!started.has(step.id)) emit({ type: 'step-skipped', step });
  if (failure !== undefined) throw failure;
  if (options.signal?.aborted) throw new DevenvError('INTERRUPTED', 'interrupted');
  if (done.size !== plan.steps.length) {
    throw new DevenvError('INTERNAL', `plan could not finish: ${plan.steps.length - done.size} steps wait on steps that never ran`);
  }
}
