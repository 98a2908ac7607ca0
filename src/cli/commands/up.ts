import { DevenvError } from '../../errors.js';
import { observe } from '../../engine/observe.js';
import { printPlan, type Plan, type Step } from '../../engine/plan.js';
import { selectServices } from '../../engine/plan-select.js';
import { planUp, type UpOptions } from '../../engine/plan-up.js';
import { teardown } from '../../engine/teardown.js';
import { settleSecrets } from '../../engine/secrets-settle.js';
import { plannedContainers, up, type Endpoint } from '../../engine/up.js';
import { dataVolumeName } from '../../engine/names.js';
import type { Project } from '../../config/project.js';
import type { EngineInfo, Runtime } from '../../runtime/runtime.js';
import { connect, hostProcessesFor, loadFor, loggerFor, withProjectLock } from '../context.js';
import type { Logger } from '../logger.js';
import type { CommandResult, GlobalOptions } from '../options.js';
import { createProgress } from '../progress.js';
import { plainRenderer } from '../render/plain.js';
import { exitCodeForSignal, listenForInterrupts, type Interrupts } from '../signals.js';
import { LogFollower } from '../stream-logs.js';
import type { HostProcesses } from '../../supervisor/client.js';
import { logFile } from '../../supervisor/protocol.js';

export interface UpFlags extends GlobalOptions {
  detach?: boolean;
  build?: boolean;
  forceRecreate?: boolean;
  migrate?: boolean;
  showSecrets?: boolean;
  plan?: boolean;
  watch?: boolean;
}

export async function upCommand(services: string[], flags: UpFlags): Promise<CommandResult> {
  const t0 = performance.now();
  const startedAt = Date.now();
  // The engine answers while devenv.yml loads; a broken devenv.yml is still the error shown first.
  const connecting = connect();
  connecting.catch(() => undefined);
  const project = await loadFor(flags, true);
  const log = await loggerFor(project, flags);
  const options: UpOptions = { services, build: flags.build, forceRecreate: flags.forceRecreate, migrate: flags.migrate };
  const { runtime, engine } = await connecting;
  log.debug({ engine }, 'connected to the engine');
  const host = await hostProcessesFor(runtime, { name: project.name, dir: project.dir });

  if (flags.plan) {
    await settleSecrets(runtime, project, { save: false });
    // What would stop `up` is said after the plan, not instead of it.
    const refusals: DevenvError[] = [];
    process.stdout.write(`${printPlan(planUp(project, await observe(runtime, project, host), { ...options, onRefusal: (e) => refusals.push(e) }))}\n`);
    if (refusals.length === 0) return 0;
    const [first, ...more] = refusals;
    throw new DevenvError(first!.code, `up would stop before changing anything: ${first!.message}`, { details: [...first!.details, ...more.map((e) => e.message)], ...(first!.hint ? { hint: first!.hint } : {}) });
  }

  const interrupts = listenForInterrupts((sig) => process.stderr.write(flags.detach
    ? `\n${sig}: ${flags.watch ? 'no longer watching; the stack stays up' : 'stopping'}.\n`
    : `\n${sig}: stopping; press Ctrl-C again to kill.\n`));
  // Attached, Ctrl-C takes down what this up brought up: the services named, and what it created or
  // started for them. What an earlier `up -d` left running that this one only reused stays.
  const selection = selectServices(project, options);
  const owned = new Set(selection.named);
  // Attached, the stack is this command's even if it is killed: the watchdog takes it down then. It
  // starts once this up holds the project lock: an up still waiting for another command owns nothing.
  const { startWatchdog } = flags.detach ? { startWatchdog: undefined } : await import('../watchdog.js');
  let watchdog: ReturnType<NonNullable<typeof startWatchdog>> | undefined;
  let locked = false;
  const onLocked = () => {
    locked = true;
    watchdog = startWatchdog?.(project.name, project.dir, owned);
  };
  // A kill -9 mid-way must not leave what this run was bringing up for the named services (their
  // databases, say): the watchdog is told the plan before it runs, and which new database volumes
  // have not initialised yet (a half-initialised one would fail every later start: it goes too).
  const uninitialised = new Map<string, string>();
  let planned: string[] = [];
  const guarded = () => new Set([...owned, ...planned]);
  const onPlanned = (plan: Plan) => {
    planned = plannedContainers(plan);
    const created = new Set(plan.steps.flatMap((s) => (s.kind === 'volume.create' ? [s.name] : [])));
    for (const db of project.services) {
      const volume = dataVolumeName(project.name, db.name);
      if (db.kind === 'postgres' && created.has(volume)) uninitialised.set(db.name, volume);
    }
    watchdog?.own(guarded(), uninitialised.values());
  };
  const onStepDone = (step: Step) => {
    if (step.kind === 'postgres.ready' && uninitialised.delete(step.service)) watchdog?.own(guarded(), uninitialised.values());
  };
  // It waits for another command's lock without Ctrl-C ending the wait: a Ctrl-C is why it runs.
  const teardownSelected = () => withProjectLock(project.name, 'up (stopping)', undefined, () => teardown(runtime, project.name, { onlyServices: owned }, { force: interrupts.force, onEvent: plainRenderer(), ...(host ? { host } : {}) })).catch((e) => log.error(e));
  let result: Awaited<ReturnType<typeof runUp>>;
  try {
    result = await runUp({ runtime, engine, project, log, interrupts, options, onLocked, onPlanned, onStepDone, ...(host ? { host } : {}) });
    for (const service of result.broughtUp) owned.add(service);
    watchdog?.own(owned, []);
  } catch (error) {
    // A Ctrl-C during up: up() removed what it created; the named services go too.
    interrupts.dispose();
    // Ctrl-C while waiting for another command's lock: this up started nothing, so it removes nothing.
    if (!locked) throw error;
    if (!interrupts.signal.aborted) {
      // up() removed what it created and kept a failed container for its logs: nothing for the watchdog.
      watchdog?.bye();
      throw error;
    }
    if (flags.detach) {
      // Detached, the stack is not this command's: up() removed what this run created; what was
      // running before (an `up -d --migrate` interrupted, say) stays as it was.
      if (!(error instanceof DevenvError && error.code === 'INTERRUPTED')) throw error;
      process.stderr.write('Interrupted; what this up created is removed, what was running before stays.\n');
      return exitCodeForSignal(interrupts.received());
    }
    await teardownSelected();
    watchdog?.bye();
    // Ctrl-C during the teardown after a real failure must not hide that failure.
    if (!(error instanceof DevenvError && error.code === 'INTERRUPTED')) throw error;
    process.stderr.write('Interrupted; containers and network removed.\n');
    return exitCodeForSignal(interrupts.received());
  }
  try {
    printSummary(project.name, result.endpoints, performance.now() - t0, Boolean(flags.showSecrets), engine);
    if (flags.watch) {
      const { watchProject } = await import('../watch.js');
      await watchProject({ runtime, engine, project, log, interrupts, options, detach: Boolean(flags.detach), endpoints: result.endpoints, debug: Boolean(flags.debug), since: startedAt, reload: () => loadFor(flags, true), ...(host ? { host } : {}) });
      if (flags.detach) return interrupts.received() ? exitCodeForSignal(interrupts.received()) : 0;
    } else if (flags.detach) return 0;
    else {
      process.stdout.write('Streaming logs; press Ctrl-C to stop and remove the containers (data volumes stay).\n');
      await followServices(runtime, project, result.endpoints, interrupts.signal, host, undefined, startedAt);
      if (!interrupts.signal.aborted) process.stdout.write('Every service has stopped.\n');
    }
    process.stdout.write('Removing the containers and the network (data volumes stay)…\n');
    await teardownSelected();
    return interrupts.received() ? exitCodeForSignal(interrupts.received()) : 1;
  } catch (error) {
    // Attached, the stack is this command's: whatever ends it takes the stack down too.
    if (!flags.detach) await teardownSelected();
    throw error;
  } finally {
    interrupts.dispose();
    watchdog?.bye();
  }
}

export interface UpRun {
  runtime: Runtime;
  engine: EngineInfo;
  project: Project;
  log: Logger;
  interrupts: Interrupts;
  options: UpOptions;
  host?: HostProcesses;
  /** Called once the project lock is held, before anything changes. */
  onLocked?: () => void;
  /** The plan, before it runs. */
  onPlanned?: (plan: Plan) => void;
  onStepDone?: (step: Step) => void;
}

/** Streams the logs of the services up started (containers and host processes) until they stop or Ctrl-C. */
export async function followServices(runtime: Runtime, project: Project, endpoints: Endpoint[], signal: AbortSignal, host?: HostProcesses, follower?: LogFollower, since?: number): Promise<void> {
  const logs = follower ?? new LogFollower(runtime, signal, { follow: true, untilStopped: true }, Math.max(0, ...endpoints.map((e) => e.service.length)));
  const running = endpoints.filter((e) => !e.completed);
  // What this up saw happen (older lines belong to earlier runs), at most the last 50 lines each.
  logs.follow(running.filter((e) => e.kind !== 'process').map((e) => ({ service: e.service, containerId: e.containerId })), 50, since);
  for (const e of running.filter((x) => x.kind === 'process')) {
    logs.followFile({
      service: e.service,
      file: host?.logFile(e.service) ?? logFile(project.dir, e.service),
      alive: async () => ['running', 'backoff', 'stopping'].includes((await host?.list())?.find((p) => p.service === e.service)?.state ?? ''),
      fromLastStart: true,
    }, 20);
  }
  if (!follower) await logs.done();
}

/** One up (or restart, start) with progress on the terminal; the task list has ended when it returns. */
export async function runUp(run: UpRun): Promise<{ endpoints: Endpoint[]; broughtUp: Set<string> }> {
  return withProjectLock(run.project.name, run.options.mode ?? 'up', run.interrupts.signal, () => {
    run.onLocked?.();
    return runUpLocked(run);
  });
}

async function runUpLocked(run: UpRun): Promise<{ endpoints: Endpoint[]; broughtUp: Set<string> }> {
  const progress = createProgress(run.log);
  try {
    return await up({
      runtime: run.runtime,
      engine: run.engine,
      project: run.project,
      options: run.options,
      signal: run.interrupts.signal,
      force: run.interrupts.force,
      onEvent: (event) => {
        if (event.type === 'step-done') run.onStepDone?.(event.step);
        progress.onEvent(event);
      },
      // After a failure the task list has ended; the teardown prints plain lines below it.
      onTeardownEvent: plainRenderer(),
      onPlan: (plan) => {
        run.onPlanned?.(plan);
        return progress.onPlan(plan);
      },
      ...(run.host ? { host: run.host } : {}),
    });
  } finally {
    await progress.finished();
  }
}

export function printSummary(project: string, endpoints: Endpoint[], ms: number, showSecrets: boolean, engine: EngineInfo): void {
  const width = Math.max(0, ...endpoints.map((e) => e.service.length));
  const lines = endpoints.map((e) => `  ${e.service.padEnd(width)}  ${e.completed ? 'completed (exit 0)' : ((showSecrets ? e.url : e.maskedUrl) ?? '(no published port)')}`);
  const where = engine.remote ? `\nThe engine runs on another machine (${engine.address}): 127.0.0.1 above is that machine's loopback.\n` : '';
  process.stdout.write(`\n${project} is up in ${(ms / 1000).toFixed(1)} s\n${lines.join('\n')}\n${where}\n`);
}
