/**
 * restart, stop and start of single services. With devenv.yml they wait for health again (and a
 * restart recreates a service whose config changed); with only -p NAME they act on the containers
 * found by label.
 */
import type { Project } from '../../config/project.js';
import { DevenvError } from '../../errors.js';
import { executePlan } from '../../engine/execute.js';
import { LABELS } from '../../engine/labels.js';
import { groupByService, observeProject } from '../../engine/observe-project.js';
import { PlanBuilder, type Plan } from '../../engine/plan.js';
import type { UpMode } from '../../engine/plan-select.js';
import { newRunState, stepHandler } from '../../engine/step-handlers.js';
import type { Runtime } from '../../runtime/runtime.js';
import { connect, hostProcessesFor, loadFor, loggerFor, projectTarget, withProjectLock } from '../context.js';
import type { HostProcesses } from '../../supervisor/client.js';
import type { CommandResult, GlobalOptions } from '../options.js';
import { plainRenderer } from '../render/plain.js';
import { listenForInterrupts } from '../signals.js';
import { printSummary, runUp } from './up.js';

export function restartCommand(services: string[], flags: GlobalOptions): Promise<CommandResult> {
  return withHealth('restart', services, flags);
}

export function startCommand(services: string[], flags: GlobalOptions): Promise<CommandResult> {
  return withHealth('start', services, flags);
}

export async function stopCommand(services: string[], flags: GlobalOptions): Promise<CommandResult> {
  const target = await projectTarget(flags);
  const project = target.name;
  const { runtime } = await connect();
  const host = await hostProcessesFor(runtime, target);
  const interrupts = listenForInterrupts();
  try {
    const plan = await withProjectLock(project, 'stop', interrupts.signal, async () => {
      const stopping = await labelPlan(runtime, project, services, 'stop', host);
      await executePlan(stopping, stepHandler({ runtime, engine: NO_ENGINE, state: newRunState(), force: interrupts.signal, ...(host ? { host } : {}) }), { concurrency: 8, onEvent: plainRenderer() });
      return stopping;
    });
    const stopped = plan.steps.map((s) => ('service' in s ? s.service : ''));
    process.stdout.write(stopped.length === 0 ? `Nothing runs in project "${project}".\n` : `Stopped ${stopped.join(', ')}; \`devenv start\` starts ${stopped.length === 1 ? 'it' : 'them'} again.\n`);
    return 0;
  } finally {
    interrupts.dispose();
  }
}

const NO_ENGINE = { address: '', serverVersion: '', apiVersion: '', buildkit: false, remote: false };

/** restart or start through the planner, so health is checked again; from labels alone without devenv.yml. */
async function withHealth(mode: Exclude<UpMode, 'up'>, services: string[], flags: GlobalOptions): Promise<CommandResult> {
  const t0 = performance.now();
  const project = await loadOrNot(flags);
  if (!project) return labelsOnly(mode, services, flags);
  const log = await loggerFor(project, flags);
  const { runtime, engine } = await connect(log);
  const host = await hostProcessesFor(runtime, { name: project.name, dir: project.dir });
  const interrupts = listenForInterrupts((sig) => process.stderr.write(`\n${sig}: stopping; press Ctrl-C again to kill.\n`));
  try {
    const result = await runUp({ runtime, engine, project, log, interrupts, options: { services, mode }, ...(host ? { host } : {}) });
    printSummary(project.name, result.endpoints, performance.now() - t0, false, engine);
    return 0;
  } finally {
    interrupts.dispose();
  }
}

/** The project from devenv.yml; undefined when there is none and -p names the project. */
async function loadOrNot(flags: GlobalOptions): Promise<Project | undefined> {
  try {
    return await loadFor(flags, true);
  } catch (error) {
    if (flags.project && error instanceof DevenvError && error.code === 'CONFIG_NOT_FOUND') return undefined;
    throw error;
  }
}

/** Without devenv.yml there is no health check to wait for: the containers are restarted or started. */
async function labelsOnly(mode: 'restart' | 'start', services: string[], flags: GlobalOptions): Promise<CommandResult> {
  const target = await projectTarget(flags);
  const project = target.name;
  const { runtime } = await connect();
  const host = await hostProcessesFor(runtime, target);
  const interrupts = listenForInterrupts();
  try {
    const plan = await withProjectLock(project, mode, interrupts.signal, async () => {
      const acting = await labelPlan(runtime, project, services, mode, host);
      await executePlan(acting, stepHandler({ runtime, engine: NO_ENGINE, state: newRunState(), force: interrupts.force, ...(host ? { host } : {}) }), { concurrency: 8, onEvent: plainRenderer() });
      return acting;
    });
    process.stdout.write(`${mode === 'restart' ? 'Restarted' : 'Started'} ${plan.steps.length} container(s) of project "${project}" (no devenv.yml here, so no health check).\n`);
    return 0;
  } finally {
    interrupts.dispose();
  }
}

/** stop, start or restart of the named services' containers (all when none is named), from labels. */
async function labelPlan(runtime: Runtime, project: string, services: string[], mode: 'stop' | 'start' | 'restart', host?: HostProcesses): Promise<Plan> {
  const observed = await observeProject(runtime, project, host);
  const groups = groupByService(observed.containers);
  const unknown = services.filter((s) => !groups.has(s) && !observed.processes.has(s));
  if (unknown.length > 0) {
    throw new DevenvError('USAGE', `no container for ${unknown.map((s) => `"${s}"`).join(', ')} in project "${project}"`, {
      hint: `Run \`devenv ps -p ${project}\` to see its services, or \`devenv up\` first.`,
    });
  }
  const plan = new PlanBuilder();
  for (const [service, [container]] of groups) {
    if (!container || (services.length > 0 && !services.includes(service))) continue;
    const running = container.state === 'running' || container.state === 'restarting';
    // A one-shot that completed is done: starting it again is `devenv up`'s decision.
    if (container.labels[LABELS.oneshot] === 'true' && !running && mode !== 'restart' && services.length === 0) continue;
    if (mode === 'stop' && running) plan.add({ kind: 'container.stop', service, containerId: container.id }, 'stop');
    if (mode === 'start' && !running) plan.add({ kind: 'container.start', service, containerId: container.id }, `container is ${container.state}`);
    if (mode === 'restart') plan.add({ kind: running ? 'container.restart' : 'container.start', service, containerId: container.id }, 'restart');
  }
  for (const [service, p] of observed.processes) {
    if (services.length > 0 && !services.includes(service)) continue;
    const alive = p.state === 'running' || p.state === 'backoff';
    if (mode === 'stop' && alive) plan.add({ kind: 'process.stop', service }, 'stop');
    // A stopped process starts again from the spec the supervisor recorded.
    if (mode === 'start' && !alive && !(p.state === 'exited' && services.length === 0)) plan.add({ kind: 'process.restart', service }, `process is ${p.state}`);
    if (mode === 'restart') plan.add({ kind: 'process.restart', service }, 'restart');
  }
  return { project, steps: plan.steps };
}
