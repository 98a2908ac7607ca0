/** Progress as a listr2 task list on a TTY: one task per plan step, run concurrently as the executor reports. */
import { Listr, type DefaultRenderer, type ListrTaskWrapper } from 'listr2';
import type { EngineEvent, EventSink } from '../../engine/events.js';
import { describeStep, type Plan } from '../../engine/plan.js';

interface Pending {
  resolve: (done?: { ms: number; detail?: string }) => void;
  reject: (error: unknown) => void;
  skipped?: boolean;
  task?: Task;
  /** The step may start before listr runs its task function. */
  started?: string;
}

type Task = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof DefaultRenderer>;

const dim = (s: string) => `\u001b[2m${s}\u001b[22m`;

export function listrRenderer(plan: Plan): { sink: EventSink; finished: Promise<void> } {
  const pending = new Map<number, Pending>();
  const promises = new Map<number, Promise<{ ms: number; detail?: string } | undefined>>();
  for (const step of plan.steps) {
    promises.set(step.id, new Promise<{ ms: number; detail?: string } | undefined>((resolve, reject) => pending.set(step.id, { resolve, reject })));
    promises.get(step.id)!.catch(() => undefined);
  }
  const list = new Listr(
    plan.steps.map((step) => ({
      title: `${describeStep(step)} ${dim('(waiting)')}`,
      task: async (_ctx: unknown, task: Task) => {
        const entry = pending.get(step.id)!;
        entry.task = task;
        if (entry.started) task.title = entry.started;
        const done = await promises.get(step.id)!;
        if (entry.skipped || !done) return task.skip(`${describeStep(step)} ${dim('(skipped)')}`);
        task.title = `${describeStep(step)} ${dim(`${(done.ms / 1000).toFixed(1)}s${done.detail ? ` · ${done.detail}` : ''}`)}`;
      },
    })),
    // Our own handlers tear down on Ctrl-C; listr2's would exit(127) first and leave containers running.
    { concurrent: true, exitOnError: false, registerSignalListeners: false, renderer: 'default', rendererOptions: { collapseErrors: false } },
  );
  const finished = list.run().then(() => undefined, () => undefined);
  const sink = (event: EngineEvent): void => {
    if (event.type === 'teardown') return;
    const entry = pending.get(event.step.id);
    if (!entry) return;
    if (event.type === 'step-start') {
      entry.started = `${describeStep(event.step)} ${dim(`(${event.step.cause})`)}`;
      if (entry.task) entry.task.title = entry.started;
    } else if (event.type === 'step-progress' && entry.task) entry.task.output = event.message;
    else if (event.type === 'step-done') entry.resolve({ ms: event.ms, detail: event.detail });
    else if (event.type === 'step-failed') entry.reject(event.error);
    else if (event.type === 'step-skipped') { entry.skipped = true; entry.resolve(); }
  };
  return { sink, finished };
}
