/** Removes a project's resources by label: `down`, and the cleanup after Ctrl-C or a failed `up`. */
import type { Runtime } from '../runtime/runtime.js';
import type { HostProcesses } from '../supervisor/client.js';
import type { EventSink } from './events.js';
import { executePlan } from './execute.js';
import { observeProject } from './observe-project.js';
import type { Plan } from './plan.js';
import { planDown, type DownOptions } from './plan-down.js';
import { newRunState, stepHandler } from './step-handlers.js';

export async function teardown(
  runtime: Runtime,
  project: string,
  options: DownOptions,
  run: { force?: AbortSignal; onEvent?: EventSink; stopTimeoutSeconds?: number; host?: HostProcesses } = {},
): Promise<Plan> {
  const observed = await observeProject(runtime, project, run.host);
  const plan = planDown(project, observed, options);
  const engine = { address: '', serverVersion: '', apiVersion: '', buildkit: false, remote: false };
  await executePlan(plan, stepHandler({ runtime, engine, state: newRunState(), force: run.force, stopTimeoutSeconds: run.stopTimeoutSeconds, ...(run.host ? { host: run.host } : {}) }), {
    concurrency: 8,
    onEvent: run.onEvent,
  });
  return plan;
}
