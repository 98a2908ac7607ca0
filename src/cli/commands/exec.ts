/**
 * `exec SERVICE [CMD…]`: a command in the service's running container, found by label (so `-p NAME`
 * works without devenv.yml). A TTY when stdin is one, the exit code passed through. A Postgres
 * service's container gets PGUSER, PGDATABASE and PGPASSWORD, so `exec db` opens psql as the
 * project's user on its database, and `exec db psql -c '…'` needs no flags.
 */
import { DevenvError } from '../../errors.js';
import { LABELS, serviceLabels } from '../../engine/labels.js';
import type { ContainerDetails, Runtime } from '../../runtime/runtime.js';
import { hostProcessesFor, projectTarget, runtimeOnly } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';
import { openTerminal, parseEnvOptions } from '../terminal.js';

export interface ExecFlags extends GlobalOptions {
  tty?: boolean;
  env?: string[] | string;
  user?: string;
  workdir?: string;
}

export async function execCommand(service: string, command: string[] | undefined, flags: ExecFlags): Promise<CommandResult> {
  const target = await projectTarget(flags);
  const project = target.name;
  const runtime = await runtimeOnly();
  const host = await hostProcessesFor(runtime, target);
  if ((await host?.list())?.some((p) => p.service === service)) {
    throw new DevenvError('USAGE', `${service} runs on this machine, not in a container: there is nothing to exec into`, {
      hint: `\`devenv run ${service} CMD…\` runs a command with its environment and folder.`,
    });
  }
  const container = await runningContainer(runtime, project, service);
  const postgres = container.labels[LABELS.kind] === 'postgres';
  if (!command?.length && !postgres) {
    throw new DevenvError('USAGE', `name a command to run in ${service}, e.g. \`devenv exec ${service} sh\``);
  }
  const env = { ...(postgres ? psqlEnv(container) : {}), ...parseEnvOptions(flags.env) };
  const terminal = openTerminal(flags.tty !== false);
  try {
    return await runtime.execInteractive(container.id, {
      command: command?.length ? command : ['psql'],
      env,
      ...(flags.user ? { user: flags.user } : {}),
      ...(flags.workdir ? { workdir: flags.workdir } : {}),
    }, terminal.io);
  } finally {
    terminal.restore();
  }
}

/** The service's running container (inspected), or a clear error saying why there is none. */
export async function runningContainer(runtime: Runtime, project: string, service: string): Promise<ContainerDetails> {
  const [found] = await runtime.listContainers(serviceLabels(project, service, 'service'));
  if (!found) {
    const known = [...new Set((await runtime.listContainers({ [LABELS.project]: project, [LABELS.role]: 'service' })).map((c) => c.labels[LABELS.service]))];
    throw new DevenvError('USAGE', `no container for service "${service}" in project "${project}"`, {
      hint: known.length > 0
        ? `The services with a container are ${known.join(', ')}; \`devenv up -d ${service}\` creates ${service}'s if it is one of devenv.yml's.`
        : `Run \`devenv up -d ${service}\` first (\`devenv ps\` lists what runs).`,
    });
  }
  return runningDetails(runtime, service, found.id);
}

/** The container of a service, found already: its details, or a clear error when it does not run. */
export async function runningDetails(runtime: Runtime, service: string, containerId: string): Promise<ContainerDetails> {
  const details = await runtime.inspectContainer(containerId);
  if (details.state !== 'running') {
    const completed = details.labels[LABELS.oneshot] === 'true' && details.state === 'exited' && details.exitCode === 0;
    throw new DevenvError('USAGE', `${service} is not running (${completed ? 'a one-shot service that has completed' : details.status})`, {
      hint: completed
        ? `\`devenv run ${service} CMD…\` runs a command in a new container of its image.`
        : `\`devenv start ${service}\` starts it; \`devenv logs ${service}\` shows why it stopped.`,
    });
  }
  return details;
}

/** psql's connection settings from the container's own POSTGRES_* environment. */
export function psqlEnv(container: ContainerDetails): Record<string, string> {
  const env = container.env;
  const user = env.POSTGRES_USER || 'postgres';
  return { PGUSER: user, PGDATABASE: env.POSTGRES_DB || user, ...(env.POSTGRES_PASSWORD ? { PGPASSWORD: env.POSTGRES_PASSWORD } : {}) };
}
