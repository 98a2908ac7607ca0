/** What most commands need: the project, the engine, the logger. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { findConfigFile, loadProject } from '../config/load-project.js';
import { projectNameFromFolder } from '../config/normalise.js';
import type { Project } from '../config/project.js';
import type { EngineInfo, Runtime } from '../runtime/runtime.js';
import { createLogger, type Logger } from './logger.js';
import type { GlobalOptions } from './main.js';

export async function loadFor(options: GlobalOptions, persistSecrets: boolean): Promise<Project> {
  return loadProject({ file: options.file, cwd: process.cwd(), env: process.env, persistSecrets, projectName: options.project });
}

export async function connect(log?: Logger): Promise<{ runtime: Runtime; engine: EngineInfo }> {
  // dockerode is heavy to load; commands that never reach the engine (validate, config) skip it.
  const { connectRuntime } = await import('../runtime/docker-runtime.js');
  const runtime = connectRuntime(process.env);
  const engine = await runtime.info();
  log?.debug({ engine }, 'connected to the engine');
  return { runtime, engine };
}

/**
 * The project name for commands that work from labels alone (down, ps, logs): -p, else the `name`
 * in devenv.yml read leniently (a broken file must not stop `down`), else the folder's name.
 */
export function projectNameFor(options: GlobalOptions): string {
  if (options.project) return options.project;
  const file = options.file ?? findConfigFile(process.cwd());
  if (file) {
    try {
      const doc = parse(readFileSync(file, 'utf8')) as { name?: unknown } | null;
      if (typeof doc?.name === 'string' && doc.name) return doc.name;
    } catch {
      // Fall back to the folder name, as the loader does.
    }
    return projectNameFromFolder(dirname(file));
  }
  return projectNameFromFolder(process.cwd());
}


export function loggerFor(project: Project | undefined, options: GlobalOptions): Logger {
  return createLogger({ file: project ? join(project.dir, '.devenv', 'devenv.log') : undefined, debug: Boolean(options.debug) });
}
