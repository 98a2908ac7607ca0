/**
 * kill -9 of an attached `up` must not leave its stack running. `up` starts this small watchdog,
 * detached (its own session: a Ctrl-C in the terminal does not reach it), and keeps the write end of
 * its stdin. A clean exit of `up` says "bye" first; any other end of `up` (kill -9, a crash, the
 * terminal closed) closes the pipe without it, and the watchdog takes down what that `up` owned, as
 * its Ctrl-C would have: the services' containers, their host processes and the network, keeping
 * data volumes. No privileged sidecar container: the kernel closing the pipe is the signal.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { appendPrivate } from '../util/devenv-dir.js';

/** One line on the watchdog's stdin. */
interface Message {
  /** First message: whose stack it guards. */
  project?: string;
  /** The folder of devenv.yml (for host processes and the log). */
  dir?: string;
  /** Services the `up` owns (to take down); replaces the earlier set. */
  owned?: string[];
  /** Database volumes the `up` created whose database has not initialised yet (to remove); replaces the earlier set. */
  volumes?: string[];
  bye?: true;
}

export interface Watchdog {
  /** What the `up` owns now, and the new database volumes not initialised yet. */
  own(services: Iterable<string>, volumes: Iterable<string>): void;
  /** The `up` ends cleanly (it tore down, or leaves the stack on purpose): the watchdog exits. */
  bye(): void;
}

/** Starts the watchdog of an attached `up`; a watchdog that cannot start is not worth failing `up` for. */
export function startWatchdog(project: string, dir: string, owned: Iterable<string>): Watchdog {
  let stdin: Writable | undefined;
  try {
    const child = spawn(process.execPath, [process.argv[1]!, '__watchdog'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: process.env });
    child.on('error', () => undefined);
    child.unref();
    stdin = child.stdin!;
    stdin.on('error', () => undefined);
    // The pipe must not keep `up` alive once it is done.
    (stdin as Writable & { unref?: () => void }).unref?.();
  } catch {
    stdin = undefined;
  }
  const send = (message: Message) => { if (stdin?.writable) stdin.write(`${JSON.stringify(message)}\n`); };
  send({ project, dir, owned: [...owned] });
  return {
    own: (services, volumes) => send({ owned: [...services], volumes: [...volumes] }),
    bye: () => {
      send({ bye: true });
      stdin?.end();
    },
  };
}

/** The watchdog process (`devenv __watchdog`): waits for its `up` to end, and cleans up if it died. */
export async function runWatchdog(): Promise<number> {
  // Its own session already keeps terminal signals away; a hangup must not stop it either.
  process.on('SIGHUP', () => undefined);
  process.on('SIGINT', () => undefined);
  let project: string | undefined;
  let dir: string | undefined;
  let owned: string[] = [];
  let volumes: string[] = [];
  let bye = false;
  for await (const line of createInterface({ input: process.stdin })) {
    try {
      const m = JSON.parse(line) as Message;
      if (m.project) project = m.project;
      if (m.dir) dir = m.dir;
      if (m.owned) owned = m.owned;
      if (m.volumes) volumes = m.volumes;
      if (m.bye) bye = true;
    } catch {
      // Not ours: ignore.
    }
  }
  if (bye || !project || owned.length === 0) return 0;
  const log = (text: string) => {
    if (!dir) return;
    try {
      appendPrivate(join(dir, '.devenv', 'watchdog.log'), `${new Date().toISOString()} ${text}\n`);
    } catch {
      // Nowhere to say it: the cleanup matters more.
    }
  };
  log(`the attached \`up\` of project "${project}" ended without tearing down; removing ${owned.join(', ')} (data volumes stay${volumes.length > 0 ? `, except ${volumes.join(', ')}: its database never initialised` : ''})`);
  // The lock first, before anything slow: a new `up` started right after the kill must not take
  // over the stack and then see it removed under it.
  const { lockProject } = await import('../util/project-lock.js');
  const lock = await lockProject(project, 'up (cleanup after its process died)');
  try {
    const [{ teardown }, { removedCount }, { runtimeOnly, hostProcessesFor }] = await Promise.all([import('../engine/teardown.js'), import('../engine/plan-down.js'), import('./context.js')]);
    const runtime = await runtimeOnly();
    const host = await hostProcessesFor(runtime, { name: project, ...(dir ? { dir } : {}) });
    const plan = await teardown(runtime, project, { onlyServices: new Set(owned), oneOffs: true, ...(volumes.length > 0 ? { volumes: new Set(volumes) } : {}) }, { stopTimeoutSeconds: 3, ...(host ? { host } : {}) });
    log(`removed ${removedCount(plan)} resource(s)`);
    return 0;
  } catch (error) {
    log(`cleanup failed: ${(error as Error).message}; \`devenv down\` removes what is left`);
    return 1;
  } finally {
    await lock.release();
  }
}
