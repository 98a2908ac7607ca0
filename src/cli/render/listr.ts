/** Progress as a listr2 task list on a TTY: one task per plan step, run concurrently as the executor reports. */
import { Listr, type DefaultRenderer, type ListrTaskWrapper } from 'listr2';
import type { EngineEvent, EventSink } from '../../engine/events.js';
import { describeStep, type Plan } from '../../engine/plan.js';

interface Pending {
  resolve: (detail?: string) => void;
  reject: (error: unknown) => void;
  skipped?: boolean;
  task?: Task;
}

type Task = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof DefaultRenderer>;

const dim = (s: string) => `\u001b[2m${s}\u001b[22m`;

export function listrRenderer(plan: Plan): { sink: EventSink; finished: Promise<void> } {
  const pending = new Map<number, Pending>();
  const promises = new Map<number, Promise<string | undefined>>();
  for (const step of plan.steps) {
    promises.set(step.id, new Promise<string | undefined>((resolve, reject) => pending.set(step.id, { resolve, reject })));
    promises.get(step.id)!.catch(() => undefined);
  }
  const list = new Listr(
    plan.steps.map((step) => ({
      title: `${describeStep(step)} ${dim(`(${step.cause})`)}`,
      task: async (_ctx: unknown, task: Task) => {
        const entry = pending.get(step.id)!;
        entry.task = task;
        const t0 = Date.now();
        const detail = await promises.get(step.id)!;
        if (entry.skipped) return task.skip(`${describeStep(step)} ${dim('(skipped)')}`);
        task.title = `${describeStep(step)} ${dim(`${((Date.now() - t0) / 1000).toFixed(1)}s${detail ? ` · ${detail}` : ''}`)}`;
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
    if (event.type === 'step-progress' && entry.task) entry.task.output = event.message;
    else if (event.type === 'step-done') entry.resolve(event.detail);
    else if (event.type === 'step-failed') entry.reject(event.error);
    else if (event.type === 'step-skipped') { entry.skipped = true; entry.resolve(); }
  };
  return { sink, finished };
}
