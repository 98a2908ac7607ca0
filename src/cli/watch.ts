/**
 * `up --watch`: after the stack is up, watch each started service's build context (what its
 * .dockerignore lets through), the folders of the `sql:` migrations and the input folders of host
 * migration steps. A burst of changes becomes
 * one `up` of the services concerned: the plan rebuilds what changed, recreates only those
 * services (and dependants whose config changed), applies new migrations and checks health again.
 * A failed rebuild leaves the running container alone; watching goes on. A changed devenv.yml is
 * loaded again and applied (a broken one is reported, and the stack left as it is).
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { Project } from '../config/project.js';
import { DevenvError } from '../errors.js';
import { NOT_INPUTS } from '../engine/plan-migrations.js';
import { selectServices } from '../engine/plan-select.js';
import type { UpOptions } from '../engine/plan-up.js';
import type { Endpoint } from '../engine/up.js';
import { contextEntries, contextFilter } from '../runtime/build-context.js';
import type { EngineInfo, Runtime } from '../runtime/runtime.js';
import type { Logger } from './logger.js';
import { printError } from './print-error.js';
import type { Interrupts } from './signals.js';
import { LogFollower } from './stream-logs.js';
import { followServices, runUp } from './commands/up.js';
import type { HostProcesses } from '../supervisor/client.js';

/** Changes closer together than this are one burst. */
const QUIET_MS = 300;
/** Editors' and tools' short-lived files (vim's swap and 4913 probe, emacs' locks, sed -i's temp): no change of their own. */
const SCRATCH = /(^\.#|^#.*#$|~$|\.sw[px]$|^4913$|^sed[A-Za-z0-9]{6}$|\.tmp$)/;

export interface WatchRequest {
  runtime: Runtime;
  engine: EngineInfo;
  project: Project;
  log: Logger;
  interrupts: Interrupts;
  options: UpOptions;
  /** Watch without streaming logs. */
  detach: boolean;
  endpoints: Endpoint[];
  host?: HostProcesses;
  debug?: boolean;
  /** When the up began: the first logs shown start there. */
  since?: number;
  /** Loads devenv.yml again, after it changed. */
  reload?: () => Promise<Project>;
}

/** A folder to watch and the services a change in it concerns. */
interface Watched {
  dir: string;
  /** The build context this folder belongs to (with its Dockerfile), or undefined for a migrations folder. */
  context?: { root: string; dockerfile: string };
  services: string[];
  /** For a build context: whether a changed path (relative to it) is sent to the engine. */
  included?: (path: string) => boolean;
}

export async function watchProject(request: WatchRequest): Promise<void> {
  const { interrupts } = request;
  let project = request.project;
  let targets = watchTargets(project, selectServices(project, request.options).started);
  const configFile = basename(project.file);
  let configChanged = false;
  const logs = request.detach ? undefined : new LogFollower(request.runtime, interrupts.signal);
  if (logs) await followServices(request.runtime, project, request.endpoints, interrupts.signal, request.host, logs, request.since);

  const pending = new Set<string>();
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let wake: () => void = () => {};

  const watchers = new Map<string, FSWatcher>();
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = undefined; wake(); }, QUIET_MS);
  };
  // devenv.yml itself (editors replace the file, so its folder is watched).
  const configWatcher = watch(dirname(project.file), { persistent: true }, (_event, name) => {
    if (name?.toString() !== configFile) return;
    configChanged = true;
    schedule();
  });
  configWatcher.on('error', () => configWatcher.close());
  const refresh = async () => {
    const wanted = await folders(targets);
    for (const [dir, w] of watchers) if (!wanted.has(dir)) { w.close(); watchers.delete(dir); }
    for (const [dir, target] of wanted) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: true }, (_event, name) => {
          if (name && SCRATCH.test(basename(name.toString()))) return;
          const path = name ? join(dir, name.toString()) : dir;
          // A file .dockerignore leaves out changes no image.
          if (target.context && target.included && !target.included(relative(target.context.root, path).split(sep).join('/'))) return;
          for (const s of target.services) pending.add(s);
          changed.add(relative(project.dir, path) || '.');
          schedule();
        });
        w.on('error', () => { w.close(); watchers.delete(dir); });
        watchers.set(dir, w);
      } catch {
        // Gone between the listing and the watch: the next refresh sees it again if it comes back.
      }
    }
  };
  await refresh();
  process.stdout.write(`Watching ${[...new Set([configFile, ...targets.map((t) => relative(project.dir, t.dir) || '.')])].join(', ')} for changes (Ctrl-C stops).\n`);

  const onAbort = () => wake();
  interrupts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    while (!interrupts.signal.aborted) {
      // Changes that came during the last update are waited for no more: they go next.
      if ((pending.size === 0 && !configChanged) || timer !== undefined) {
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = () => {};
      }
      if (interrupts.signal.aborted) continue;
      if (configChanged && request.reload) {
        configChanged = false;
        // A changed devenv.yml applies to every service watched: the plan recreates only what changed.
        try {
          project = await request.reload();
        } catch (error) {
          printError(error, Boolean(request.debug));
          process.stderr.write(`${configFile} has problems; the running stack is left as it is. Watching for the next change.\n`);
          continue;
        }
        targets = watchTargets(project, selectServices(project, request.options).started);
        for (const s of selectServices(project, request.options).started) pending.add(s);
        changed.add(configFile);
      }
      if (pending.size === 0) continue;
      const services = [...pending];
      const files = [...changed];
      pending.clear();
      changed.clear();
      process.stdout.write(`\nChanged: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${files.length - 5} more` : ''}; updating ${services.join(', ')}…\n`);
      const t0 = performance.now();
      const updateStarted = Date.now();
      // Detached, Ctrl-C ends the watch, not the update under way: the stack is left running and whole.
      const updateInterrupts = request.detach ? { ...interrupts, signal: new AbortController().signal, force: new AbortController().signal } : interrupts;
      running = runUp({ ...request, project, interrupts: updateInterrupts, options: { services, build: false } }).then(
        (result) => {
          const healthy = result.endpoints.filter((e) => services.includes(e.service)).map((e) => `${e.service} ${e.completed ? 'completed' : 'healthy'}`);
          process.stdout.write(`Updated in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${healthy.join(', ')}.\n`);
          if (logs) void followServices(request.runtime, project, result.endpoints, interrupts.signal, request.host, logs, updateStarted);
        },
        (error: unknown) => {
          if (interrupts.signal.aborted) return;
          printError(error, Boolean(request.debug));
          process.stderr.write(error instanceof DevenvError && error.code === 'IMAGE_BUILD_FAILED'
            ? 'The running container was kept. Watching for the next change.\n'
            : 'Watching for the next change.\n');
        },
      );
      await running;
      await refresh();
    }
  } finally {
    interrupts.signal.removeEventListener('abort', onAbort);
    configWatcher.close();
    clearTimeout(timer);
    for (const w of watchers.values()) w.close();
    await logs?.close();
  }
}

function watchTargets(project: Project, started: Set<string>): Watched[] {
  const targets: Watched[] = [];
  for (const s of project.services) {
    if (s.kind !== 'container' || !s.build || !started.has(s.name)) continue;
    // Services running this build are updated with it.
    const users = project.services.filter((u) => u.kind === 'container' && u.buildFrom === s.name && started.has(u.name)).map((u) => u.name);
    targets.push({ dir: s.build.context, context: { root: s.build.context, dockerfile: s.build.dockerfile }, services: [s.name, ...users] });
  }
  const waiting = [...started];
  for (const m of project.migrations) if (m.kind === 'sql') targets.push({ dir: m.dir, services: waiting });
  // A host step's input folders (its migrations): a new file there runs it, as for a sql: folder.
  for (const m of project.migrations) {
    if (m.kind !== 'process' || !m.inputs) continue;
    for (const input of m.inputs) for (const dir of foldersUnder(input)) targets.push({ dir, services: waiting });
  }
  return targets;
}

/** A folder and those under it (Prisma keeps each migration in its own), but those no input counts; none for a file. */
function foldersUnder(path: string, depth = 0): string[] {
  try {
    if (!statSync(path).isDirectory()) return [];
    const inner = readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory() && !NOT_INPUTS.has(e.name));
    return [path, ...(depth < 4 ? inner.flatMap((e) => foldersUnder(join(path, e.name), depth + 1)) : [])];
  } catch {
    return [];
  }
}

/** Every folder to watch: the build contexts' included folders (honouring .dockerignore) and the migration folders. */
async function folders(targets: Watched[]): Promise<Map<string, Watched>> {
  const out = new Map<string, Watched>();
  for (const target of targets) {
    out.set(target.dir, target);
    if (!target.context) continue;
    target.included = await contextFilter(target.context.root, target.context.dockerfile).catch(() => undefined);
    const entries = await contextEntries(target.context.root, target.context.dockerfile).catch(() => []);
    for (const e of entries) if (e.type === 'directory') out.set(join(target.context.root, e.path), target);
  }
  return out;
}
