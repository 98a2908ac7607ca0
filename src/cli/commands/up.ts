import { DevenvError } from '../../errors.js';
import type { EventSink } from '../../engine/events.js';
import { observe } from '../../engine/observe.js';
import { printPlan } from '../../engine/plan.js';
import { planUp } from '../../engine/plan-up.js';
import { teardown } from '../../engine/teardown.js';
import { up, type Endpoint } from '../../engine/up.js';
import { connect, loadFor, loggerFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../main.js';
import { plainRenderer } from '../render/plain.js';
import { exitCodeForSignal, listenForInterrupts } from '../signals.js';
import { streamLogs } from '../stream-logs.js';

interface UpFlags extends GlobalOptions {
  detach?: boolean;
  build?: boolean;
  forceRecreate?: boolean;
  showSecrets?: boolean;
  plan?: boolean;
}

export async function upCommand(flags: UpFlags): Promise<CommandResult> {
  const t0 = performance.now();
  const project = await loadFor(flags, true);
  const log = loggerFor(project, flags);
  const options = { build: flags.build, forceRecreate: flags.forceRecreate };
  const { runtime, engine } = await connect(log);

  if (flags.plan) {
    process.stdout.write(`${printPlan(planUp(project, await observe(runtime, project), options))}\n`);
    return 0;
  }

  const interrupts = listenForInterrupts((sig) => process.stderr.write(`\n${sig}: stopping; press Ctrl-C again to kill.\n`));
  const tty = Boolean(process.stdout.isTTY) && !process.env.CI;
  let finished: Promise<void> = Promise.resolve();
  let sink: EventSink = plainRenderer();
  const onEvent: EventSink = (e) => {
    log.debug({ event: e.type, step: 'step' in e ? e.step.id : undefined, message: 'message' in e ? e.message : undefined }, 'event');
    sink(e);
  };
  const teardownAll = async () => {
    await teardown(runtime, project.name, {}, { force: interrupts.force, onEvent: plainRenderer() }).catch((e) => log.error(e));
  };

  try {
    const result = await up({
      runtime, engine, project, options,
      signal: interrupts.signal,
      force: interrupts.force,
      onEvent,
      // After a failure the task list has ended; the teardown prints plain lines below it.
      onTeardownEvent: plainRenderer(),
      onPlan: async (plan) => {
        log.info({ plan: printPlan(plan) }, 'plan');
        if (tty && plan.steps.length > 0) {
          const { listrRenderer } = await import('../render/listr.js');
          const r = listrRenderer(plan);
          sink = r.sink;
          finished = r.finished;
        }
      },
    });
    await finished;
    printSummary(project.name, result.endpoints, performance.now() - t0, Boolean(flags.showSecrets));
    if (flags.detach) return 0;

    process.stdout.write('Streaming logs; press Ctrl-C to stop and remove the containers (data volumes stay).\n');
    await streamLogs(runtime, result.endpoints.map((e) => ({ service: e.service, containerId: e.containerId })), { signal: interrupts.signal, tail: 20 });
    if (!interrupts.signal.aborted) process.stdout.write('Every service has stopped.\n');
    process.stdout.write('Removing the containers and the network (data volumes stay)…\n');
    await teardownAll();
    return interrupts.received() ? exitCodeForSignal(interrupts.received()) : 1;
  } catch (error) {
    await finished;
    if (!interrupts.signal.aborted) throw error;
    await teardownAll();
    // Ctrl-C during the teardown after a real failure must not hide that failure.
    if (!(error instanceof DevenvError && error.code === 'INTERRUPTED')) throw error;
    process.stderr.write('Interrupted; containers and network removed.\n');
    return exitCodeForSignal(interrupts.received());
  } finally {
    interrupts.dispose();
  }
}

function printSummary(project: string, endpoints: Endpoint[], ms: number, showSecrets: boolean): void {
  const width = Math.max(...endpoints.map((e) => e.service.length));
  const lines = endpoints.map((e) => `  ${e.service.padEnd(width)}  ${(showSecrets ? e.url : e.maskedUrl) ?? '(no published port)'}`);
  process.stdout.write(`\n${project} is up in ${(ms / 1000).toFixed(1)} s\n${lines.join('\n')}\n\n`);
}

