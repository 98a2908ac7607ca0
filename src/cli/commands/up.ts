import { DevenvError } from '../../errors.js';
import { observe } from '../../engine/observe.js';
import { printPlan } from '../../engine/plan.js';
import { selectServices } from '../../engine/plan-select.js';
import { planUp, type UpOptions } from '../../engine/plan-up.js';
import { teardown } from '../../engine/teardown.js';
import { up, type Endpoint } from '../../engine/up.js';
import type { Project } from '../../config/project.js';
import type { EngineInfo, Runtime } from '../../runtime/runtime.js';
import { connect, loadFor, loggerFor } from '../context.js';
import type { Logger } from '../logger.js';
import type { CommandResult, GlobalOptions } from '../options.js';
import { createProgress } from '../progress.js';
import { plainRenderer } from '../render/plain.js';
import { exitCodeForSignal, listenForInterrupts, type Interrupts } from '../signals.js';
import { streamLogs } from '../stream-logs.js';

export interface UpFlags extends GlobalOptions {
  detach?: boolean;
  build?: boolean;
  forceRecreate?: boolean;
  showSecrets?: boolean;
  plan?: boolean;
  watch?: boolean;
}

export async function upCommand(services: string[], flags: UpFlags): Promise<CommandResult> {
  const t0 = performance.now();
  const project = await loadFor(flags, true);
  const log = loggerFor(project, flags);
  const options: UpOptions = { services, build: flags.build, forceRecreate: flags.forceRecreate };
  const { runtime, engine } = await connect(log);

  if (flags.plan) {
    process.stdout.write(`${printPlan(planUp(project, await observe(runtime, project), options))}\n`);
    return 0;
  }

  const interrupts = listenForInterrupts((sig) => process.stderr.write(`\n${sig}: stopping; press Ctrl-C again to kill.\n`));
  // Attached, Ctrl-C takes down what this up brought up; other services of the project stay.
  const started = selectServices(project, options).started;
  const teardownSelected = () => teardown(runtime, project.name, { onlyServices: started }, { force: interrupts.force, onEvent: plainRenderer() }).catch((e) => log.error(e));
  try {
    const result = await runUp({ runtime, engine, project, log, interrupts, options });
    printSummary(project.name, result.endpoints, performance.now() - t0, Boolean(flags.showSecrets), engine);
    if (flags.watch) {
      const { watchProject } = await import('../watch.js');
      await watchProject({ runtime, engine, project, log, interrupts, options, detach: Boolean(flags.detach), endpoints: result.endpoints });
      if (flags.detach) return 0;
    } else if (flags.detach) return 0;
    else {
      process.stdout.write('Streaming logs; press Ctrl-C to stop and remove the containers (data volumes stay).\n');
      const running = result.endpoints.filter((e) => !e.completed);
      await streamLogs(runtime, running.map((e) => ({ service: e.service, containerId: e.containerId })), { signal: interrupts.signal, tail: 20 });
      if (!interrupts.signal.aborted) process.stdout.write('Every service has stopped.\n');
    }
    process.stdout.write('Removing the containers and the network (data volumes stay)…\n');
    await teardownSelected();
    return interrupts.received() ? exitCodeForSignal(interrupts.received()) : 1;
  } catch (error) {
    if (!interrupts.signal.aborted) throw error;
    await teardownSelected();
    // Ctrl-C during the teardown after a real failure must not hide that failure.
    if (!(error instanceof DevenvError && error.code === 'INTERRUPTED')) throw error;
    process.stderr.write('Interrupted; containers and network removed.\n');
    return exitCodeForSignal(interrupts.received());
  } finally {
    interrupts.dispose();
  }
}

export interface UpRun {
  runtime: Runtime;
  engine: EngineInfo;
  project: Project;
  log: Logger;
  interrupts: Interrupts;
  options: UpOptions;
}

/** One up (or restart, start) with progress on the terminal; the task list has ended when it returns. */
export async function runUp(run: UpRun): Promise<{ endpoints: Endpoint[] }> {
  const progress = createProgress(run.log);
  try {
    return await up({
      runtime: run.runtime,
      engine: run.engine,
      project: run.project,
      options: run.options,
      signal: run.interrupts.signal,
      force: run.interrupts.force,
      onEvent: progress.onEvent,
      // After a failure the task list has ended; the teardown prints plain lines below it.
      onTeardownEvent: plainRenderer(),
      onPlan: (plan) => progress.onPlan(plan),
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
