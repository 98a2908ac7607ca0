/**
 * `run SERVICE [CMD…]`: a one-off container of the service's image, on the project network, with its
 * env and volumes, after what it depends on is up (databases ready, migrations applied). Attached to
 * the terminal; removed afterwards unless --no-rm; its exit code is devenv's.
 * For a host process service, and for `run -- CMD…` (no service), the command runs on the host with
 * the project's environment resolved for the host (DATABASE_URL, PG*, …).
 */
import { randomBytes } from 'node:crypto';
import { noSuchServices } from '../../config/check-names.js';
import type { Project } from '../../config/project.js';
import { resolveEnv } from '../../config/references.js';
import { DevenvError } from '../../errors.js';
import { hostEnvironment, runningDatabasePorts } from '../../engine/host-env.js';
import { LABELS, serviceLabels } from '../../engine/labels.js';
import { containerName } from '../../engine/names.js';
import { observeProject } from '../../engine/observe-project.js';
import type { UpOptions } from '../../engine/plan-up.js';
import { desiredContainer } from '../../engine/service-spec.js';
import { up } from '../../engine/up.js';
import type { EngineInfo, Runtime } from '../../runtime/runtime.js';
import { connect, hostProcessesFor, loadFor, loggerFor } from '../context.js';
import { runOnHost } from '../host-run.js';
import type { CommandResult } from '../options.js';
import { plainRenderer } from '../render/plain.js';
import { exitCodeForSignal, listenForInterrupts, type Interrupts } from '../signals.js';
import { openTerminal, parseEnvOptions } from '../terminal.js';
import type { ExecFlags } from './exec.js';

export interface RunFlags extends ExecFlags {
  /** false with --no-rm. */
  rm?: boolean;
}

export async function runCommand(service: string | undefined, command: string[] | undefined, flags: RunFlags): Promise<CommandResult> {
  if (!service && !command?.length) {
    throw new DevenvError('USAGE', 'name a service and a command (`devenv run app npm test`), or a command for this machine (`devenv run -- npx prisma studio`)');
  }
  const project = await loadFor(flags, true);
  const target = service === undefined ? undefined : project.services.find((s) => s.name === service);
  if (service !== undefined && !target) {
    throw noSuchServices([service], project.services.map((s) => s.name), project.file);
  }
  const log = await loggerFor(project, flags);
  const { runtime, engine } = await connect(log);
  const interrupts = listenForInterrupts();
  try {
    if (!target || target.kind === 'process') {
      // On the host: the databases (and what the service depends on) first.
      const prepare = target ? { prepare: [target.name] } : { services: project.services.filter((s) => s.kind === 'postgres').map((s) => s.name) };
      await prepareQuietly(runtime, engine, project, prepare, interrupts);
      interrupts.dispose();
      const ports = runningDatabasePorts(project, (await observeProject(runtime, project.name)).containers);
      const env = { ...hostEnvironment(project, ports), ...(target ? resolveEnv(project, target, 'host', ports) : {}), ...parseEnvOptions(flags.env) };
      const argv = command?.length ? command : target!.command;
      return await runOnHost(argv, flags.workdir ?? (target ? target.cwd : process.cwd()), env);
    }
    if (target.kind === 'postgres' && !command?.length) throw new DevenvError('USAGE', `name the command to run in a one-off ${target.name} container (\`devenv exec ${target.name}\` opens psql)`);
    await prepareQuietly(runtime, engine, project, { prepare: [target.name] }, interrupts);

    const { spec } = desiredContainer(project, target);
    // A one-off of a Postgres image reaches the service's database as psql expects (`run db psql`).
    const pgEnv: Record<string, string> = target.kind === 'postgres'
      ? { PGHOST: target.name, PGUSER: target.user, PGPASSWORD: target.password, PGDATABASE: target.database }
      : {};
    const name = `${containerName(project.name, target.name)}-run-${randomBytes(3).toString('hex')}`;
    const terminal = openTerminal(flags.tty !== false);
    const id = await runtime.createContainer({
      ...spec,
      name,
      ...(command?.length ? { command } : {}),
      env: { ...spec.env, ...pgEnv, ...parseEnvOptions(flags.env) },
      labels: { ...serviceLabels(project.name, target.name, 'oneoff'), [LABELS.configFile]: project.file },
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

/** What the command needs, brought up with its progress on stderr: stdout belongs to the command. */
async function prepareQuietly(runtime: Runtime, engine: EngineInfo, project: Project, options: UpOptions, interrupts: Interrupts): Promise<void> {
  const progress = plainRenderer((line) => process.stderr.write(`${line}\n`));
  const host = await hostProcessesFor(runtime, { name: project.name, dir: project.dir });
  await up({ runtime, engine, project, options, signal: interrupts.signal, force: interrupts.force, onEvent: progress, ...(host ? { host } : {}) });
}
