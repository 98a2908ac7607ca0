import { existsSync } from 'node:fs';
import { DevenvError } from '../../errors.js';
import { logFile } from '../../supervisor/protocol.js';
import { projectLabels, serviceLabels } from '../../engine/labels.js';
import { groupByService, observeProject } from '../../engine/observe-project.js';
import { guessedName, hostProcessesFor, loadFor, projectTarget, runtimeOnly } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';
import { listenForInterrupts } from '../signals.js';
import { LogFollower } from '../stream-logs.js';
import { noSuchServices } from '../../config/check-names.js';

interface LogsFlags extends GlobalOptions {
  follow?: boolean;
  tail?: string | number;
}

/**
 * The logs of the named services (all when none is named): a container's from the engine, a host
 * process's from its file under .devenv/logs, alike.
 */
export async function logsCommand(services: string[], flags: LogsFlags): Promise<CommandResult> {
  const target = await projectTarget(flags);
  const project = target.name;
  const tail = flags.tail === undefined ? undefined : Number(flags.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new DevenvError('USAGE', `--tail expects a whole number, got "${flags.tail}"`);
  const runtime = await runtimeOnly();
  const host = await hostProcessesFor(runtime, target);
  const observed = await observeProject(runtime, project, host);
  const groups = groupByService(observed.containers);
  // A host process a failed up stopped is no longer the supervisor's, but its log file stays: named, it is shown.
  const dir = target.dir;
  const files = new Map([...observed.processes.keys()].map((s) => [s, host!.logFile(s)]));
  for (const s of services) if (dir && !groups.has(s) && !files.has(s) && existsSync(logFile(dir, s))) files.set(s, logFile(dir, s));
  const known = new Set([...groups.keys(), ...files.keys()]);
  const unknown = services.filter((s) => !known.has(s));
  if (unknown.length > 0 || known.size === 0) {
    // A name devenv.yml does not have is a typo, not a service to start.
    // devenv.yml here is the project's, under -p's name too (as for up).
    const declared = dir && unknown.length > 0 ? await serviceNames(flags) : undefined;
    const strangers = declared ? unknown.filter((s) => !declared.includes(s)) : [];
    if (declared && strangers.length > 0) {
      throw noSuchServices(strangers, declared, 'devenv.yml');
    }
    const what = unknown.length > 0 ? `no container or host process for service ${unknown.map((s) => `"${s}"`).join(', ')}` : 'no containers or host processes';
    throw new DevenvError('USAGE', `${what} in project "${project}"${guessedName(target)}`, { hint: 'Run `devenv up` first, or `devenv ps` to see what runs.' });
  }
  const wanted = (service: string) => services.length === 0 || services.includes(service);
  const interrupts = listenForInterrupts();
  try {
    const width = Math.max(0, ...[...known].map((s) => s.length));
    // Followed across restarts and recreates, as `docker compose logs -f` does.
    const current = async (service: string) => (await runtime.listContainers(serviceLabels(project, service, 'service'))).find((c) => c.state === 'running')?.id;
    // `down` ends it: a service with no container left has nothing more to say, nor a host process
    // that does not run in a project with no container left (a stopped one's record stays).
    const present = async (service: string) => (await runtime.listContainers(serviceLabels(project, service, 'service'))).length > 0;
    const supervised = async (service: string) => {
      const live = (await host?.list())?.some((p) => p.service === service && ['running', 'backoff', 'stopping'].includes(p.state));
      return live || (await runtime.listContainers(projectLabels(project))).length > 0;
    };
    const logs = new LogFollower(runtime, interrupts.signal, { follow: Boolean(flags.follow), current, present }, width);
    logs.follow([...groups].filter(([service]) => wanted(service)).map(([service, [c]]) => ({ service, containerId: c!.id })), tail);
    for (const [service, file] of [...files].filter(([s]) => wanted(s))) logs.followFile({ service, file, present: () => supervised(service) }, tail);
    await logs.done();
    return 0;
  } finally {
    interrupts.dispose();
  }
}

/** The services devenv.yml declares; undefined when it does not load (its own error is for `validate`). */
async function serviceNames(flags: GlobalOptions): Promise<string[] | undefined> {
  try {
    return (await loadFor(flags, true)).services.map((s) => s.name);
  } catch {
    return undefined;
  }
}
