/**
 * `run SERVICE [CMD…]`: a one-off container of the service's image, on the project network, with its
 * env and volumes, after what it depends on is up (databases ready, migrations applied). Attached to
 * the terminal; removed afterwards unless --no-rm; its exit code is devenv's.
 */
import { randomBytes } from 'node:crypto';
import { DevenvError } from '../../errors.js';
import { LABELS, serviceLabels } from '../../engine/labels.js';
import { containerName } from '../../engine/names.js';
import { up } from '../../engine/up.js';
import { desiredContainer } from '../../engine/service-spec.js';
import { connect, loadFor, loggerFor } from '../context.js';
import type { CommandResult } from '../options.js';
import { plainRenderer } from '../render/plain.js';
import { exitCodeForSignal, listenForInterrupts } from '../signals.js';
import { openTerminal, parseEnvOptions } from '../terminal.js';
import type { ExecFlags } from './exec.js';

export interface RunFlags extends ExecFlags {
  /** false with --no-rm. */
  rm?: boolean;
}

export async function runCommand(service: string | undefined, command: string[] | undefined, flags: RunFlags): Promise<CommandResult> {
  if (!service) {
    throw new DevenvError('USAGE', 'name the service whose image runs the command: `devenv run SERVICE [COMMAND…]`');
  }
  const project = await loadFor(flags, true);
  const target = project.services.find((s) => s.name === service);
  if (!target) {
    throw new DevenvError('USAGE', `no service "${service}" in ${project.file}`, { hint: `The services are ${project.services.map((s) => s.name).join(', ')}.` });
  }
  const log = loggerFor(project, flags);
  const { runtime, engine } = await connect(log);
  const interrupts = listenForInterrupts();
  try {
    // Progress goes to stderr: stdout belongs to the command (`devenv run app cat x > y`).
    const progress = plainRenderer((line) => process.stderr.write(`${line}\n`));
    await up({ runtime, engine, project, options: { prepare: [service] }, signal: interrupts.signal, force: interrupts.force, onEvent: progress });

    const { spec } = desiredContainer(project, target);
    const name = `${containerName(project.name, service)}-run-${randomBytes(3).toString('hex')}`;
    const terminal = openTerminal(flags.tty !== false);
    const id = await runtime.createContainer({
      ...spec,
      name,
      ...(command?.length ? { command } : {}),
      env: { ...spec.env, ...parseEnvOptions(flags.env) },
      labels: { ...serviceLabels(project.name, service, 'oneoff'), [LABELS.configFile]: project.file },
      // Reached by nothing: no published ports, no network alias that would answer for the service.
      network: spec.network ? { name: spec.network.name, aliases: [] } : undefined,
      ports: [],
      restart: { policy: 'no', maxRestarts: 0 },
      tty: terminal.io.tty,
      openStdin: true,
      ...(flags.user ? { user: flags.user } : {}),
      ...(flags.workdir ? { workingDir: flags.workdir } : {}),
    });
    try {
      const code = await runtime.runAttached(id, terminal.io, interrupts.signal);
      return interrupts.received() && code !== 0 ? exitCodeForSignal(interrupts.received()) : code;
    } finally {
      terminal.restore();
      if (flags.rm === false) process.stderr.write(`The container ${name} is kept: \`devenv ps -a\` lists it, \`devenv down\` removes it.\n`);
      else await runtime.removeContainer(id).catch(() => undefined);
    }
  } finally {
    interrupts.dispose();
  }
}
