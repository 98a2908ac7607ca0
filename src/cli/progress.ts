/**
 * How a command shows a plan's progress: a listr2 task list on a terminal, plain timestamped lines
 * otherwise (CI, pipes, CI set). Every event also goes to the log file.
 */
import type { EventSink } from '../engine/events.js';
import { printPlan, type Plan } from '../engine/plan.js';
import type { Logger } from './logger.js';
import { plainRenderer } from './render/plain.js';

export interface Progress {
  onEvent: EventSink;
  /** Call once the plan is known: on a terminal it starts the task list. */
  onPlan(plan: Plan): Promise<void>;
  /** Resolves when the task list has drawn its last frame. */
  finished(): Promise<void>;
}

/** A task list needs a terminal with a width (some pseudo-terminals report 0 columns). */
export function isInteractive(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.CI && (process.stdout.columns ?? 0) > 0;
}

export function createProgress(log: Logger): Progress {
  let sink: EventSink = plainRenderer();
  let done: Promise<void> = Promise.resolve();
  return {
    onEvent: (e) => {
      log.debug({ event: e.type, step: 'step' in e ? e.step.id : undefined, message: 'message' in e ? e.message : undefined }, 'event');
      sink(e);
    },
    async onPlan(plan) {
      log.info({ plan: printPlan(plan) }, 'plan');
      if (isInteractive() && plan.steps.length > 0) {
        const { listrRenderer } = await import('./render/listr.js');
        const r = listrRenderer(plan);
        sink = r.sink;
        done = r.finished;
      }
    },
    finished: () => done,
  };
}
