/** What most commands need: the project, the engine, the logger. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DevenvError } from '../errors.js';
import { findConfigFile, resolveConfigFile } from '../config/find-config.js';
import { projectNameFromFolder } from '../config/project-name.js';
import { NAME_PATTERN } from '../config/name-pattern.js';
import { LABELS } from '../engine/labels.js';
import type { HostProcesses } from '../supervisor/client.js';
import type { Project } from '../config/project.js';
import type { EngineInfo, Runtime } from '../runtime/runtime.js';
import type { Logger } from './logger.js';
import type { GlobalOptions } from './options.js';

export async function loadFor(options: GlobalOptions, persistSecrets: boolean): Promise<Project> {
  // The loader (yaml, zod) is loaded only by commands that read devenv.yml whole.
  const { loadProject } = await import('../config/load-project.js');
  return loadProject({ file: options.file, cwd: process.cwd(), env: process.env, persistSecrets, projectName: options.project });
}

export async function connect(log?: Logger): Promise<{ runtime: Runtime; engine: EngineInfo }> {
  const runtime = await runtimeOnly();
  const engine = await runtime.info();
  log?.debug({ engine }, 'connected to the engine');
  return { runtime, engine };
}

/**
 * The engine without asking its version first: for commands that only read and remove (ps, logs,
 * down), one round trip less. An engine that does not answer still fails their first call clearly.
 */
export async function runtimeOnly(): Promise<Runtime> {
  // Commands that never reach the engine (validate, config) do not load the runtime.
  const { connectRuntime } = await import('../runtime/docker-runtime.js');
  return connectRuntime(process.env);
}

/**
 * The project name for commands that work from labels alone (down, ps, logs): -p, else devenv.yml's
 * name (interpolated, as `up` saw it), else the folder's name. A devenv.yml too broken to load must not
 * stop `down`: then its literal `name` is used if it is a plain name.
 */
export async function projectNameFor(options: GlobalOptions): Promise<string> {
  return (await projectTarget(options)).name;
}

/** A project as label-only commands find it: its name, and its folder when a devenv.yml is found. */
export interface ProjectTarget {
  name: string;
  /** The folder of devenv.yml (for .devenv/: host processes, their logs). */
  dir?: string;
  /** No devenv.yml and no -p: the name is the folder's, which may be no project at all. */
  guessed?: boolean;
}

/** Said after "nothing for project X" when X is only the folder's name. */
export function guessedName(target: ProjectTarget): string {
  return target.guessed ? ` (no devenv.yml in this folder or above it, so the project is named after the folder; -f or -p names another)` : '';
}

export async function projectTarget(options: GlobalOptions): Promise<ProjectTarget> {
  if (options.project !== undefined && !NAME_PATTERN.test(options.project)) {
    throw new DevenvError('USAGE', `invalid project name ${JSON.stringify(options.project)}`, {
      hint: 'A project name is lowercase letters, digits, "_" and "-", starting with a letter or digit.',
    });
  }
  const file = options.file === undefined ? findConfigFile(process.cwd()) : resolveConfigFile(options.file, process.cwd());
  const dir = file ? dirname(file) : undefined;
  if (options.project) return { name: options.project, ...(dir ? { dir } : {}) };
  if (!file) return { name: projectNameFromFolder(process.cwd()), guessed: true };
  return { name: await nameFromFile(options, file), dir: dirname(file) };
}

/**
 * The project's host processes: through the supervisor of its folder, found from devenv.yml or, with
 * only -p, from the devenv.yml path its containers carry. Undefined when the folder is unknown.
 */
export async function hostProcessesFor(runtime: Runtime | undefined, target: ProjectTarget): Promise<HostProcesses | undefined> {
  let dir = target.dir;
  if (!dir && runtime) {
    const [c] = await runtime.listContainers({ [LABELS.project]: target.name });
    const file = c?.labels[LABELS.configFile];
    if (file) dir = dirname(file);
  }
  if (!dir) return undefined;
  const { DaemonHostProcesses } = await import('../supervisor/client.js');
  return new DaemonHostProcesses(dir, target.name);
}

/**
 * The name as `up` would read it. A literal `name` (or none: the folder's) is read from the YAML
 * alone; one with variables takes the whole loader.
 */
async function nameFromFile(options: GlobalOptions, file: string): Promise<string> {
  // Most files say `name: plain-name` on a line of its own: read that without a YAML parser.
  const text = readFileSync(file, 'utf8');
  const names = [...text.matchAll(/^name:[ \t]*(.*?)[ \t]*(?:#.*)?$/gm)].map((m) => m[1]!.replace(/^(["'])(.*)\1$/, '$2'));
  if (names.length === 1 && NAME_PATTERN.test(names[0]!)) return names[0]!;
  if (names.length === 0 && !/^["']?name["']?\s*:/m.test(text) && !/^\s*\{/.test(text)) return projectNameFromFolder(dirname(file));
  const { parse } = await import('yaml');
  let raw: unknown;
  let readable = true;
  try {
    raw = (parse(text) as { name?: unknown } | null)?.name;
  } catch {
    readable = false; // Unparsable YAML: its `name`, if any, is unknown.
  }
  if (readable && raw === undefined) return projectNameFromFolder(dirname(file));
  if (typeof raw === 'string' && NAME_PATTERN.test(raw)) return raw;
  try {
    return (await loadFor(options, false)).name;
  } catch (error) {
    throw new DevenvError('USAGE', `cannot tell the project name: ${file} does not load`, {
      hint: 'Pass the name with -p NAME (`devenv ps` in a working folder shows it), or fix devenv.yml.',
      cause: error,
    });
  }
}

/**
 * Runs `fn` holding the project's lock (one changing command at a time), waiting for the holder
 * with a message. A Ctrl-C while waiting ends the wait with INTERRUPTED.
 */
export async function withProjectLock<T>(project: string, command: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  const { lockProject, describeHolder } = await import('../util/project-lock.js');
  const lock = await lockProject(project, command, {
    ...(signal ? { signal } : {}),
    onWait: (holder) => process.stderr.write(`devenv: ${describeHolder(holder)}…\n`),
  });
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

export async function loggerFor(project: Project | undefined, options: GlobalOptions): Promise<Logger> {
  const { createLogger } = await import('./logger.js');
  return createLogger({ file: project ? join(project.dir, '.devenv', 'devenv.log') : undefined, debug: Boolean(options.debug) });
}
