import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DOTENV_HINT, dotenvErrorMessage, parseDotenv } from './dotenv.js';
import type { EnvTemplates } from './interpolate-document.js';
import { interpolate, type Vars } from './interpolate.js';
import { normaliseAliases, normaliseDependsOn, normaliseRestart, normaliseStopTimeout } from './normalise-common.js';
import { normaliseHealth } from './normalise-health.js';
import { MAX_CONFIG_BYTES } from './parse-yaml.js';
import { parsePortSpec } from './ports.js';
import type { Path, Problem } from './problems.js';
import type { BuildSpec, ContainerService, PortMapping, Template, VolumeMount } from './project.js';
import type { ContainerServiceConfig } from './schema.js';
import { parseVolume } from './volumes.js';

export interface ContainerContext {
  project: string;
  dir: string;
  vars: Vars;
  envTemplates: EnvTemplates;
  /** How a file is named in messages (relative to the working directory). */
  display: (file: string) => string;
  home?: string;
}

const ENV_KEY = /^[^=\s]+$/;

/**
 * The Dockerfile as a path relative to the context, as the runtime reads it: an absolute path inside
 * the context is made relative. One outside stays as written, for the cross-check to refuse.
 */
function dockerfileInContext(context: string, dockerfile: string): string {
  if (!path.isAbsolute(dockerfile)) return dockerfile;
  const relative = path.relative(context, dockerfile);
  return relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative) ? dockerfile : relative;
}

function normaliseBuild(build: ContainerServiceConfig['build'], dir: string): BuildSpec | undefined {
  if (build === undefined) return undefined;
  if (typeof build === 'string') return { context: path.resolve(dir, build), dockerfile: 'Dockerfile', args: {} };
  const args = Object.fromEntries(Object.entries(build.args ?? {}).map(([key, value]) => [key, String(value)]));
  const context = path.resolve(dir, build.context ?? '.');
  const spec: BuildSpec = { context, dockerfile: dockerfileInContext(context, build.dockerfile ?? 'Dockerfile'), args };
  if (build.target !== undefined) spec.target = build.target;
  return spec;
}

function normalisePorts(name: string, config: ContainerServiceConfig, problems: Problem[]): PortMapping[] {
  const base = ['services', name];
  if (config.port !== undefined && config.ports !== undefined) {
    problems.push({ path: [...base, 'port'], at: 'key', message: 'use either port or ports, not both' });
  }
  const specs = config.port !== undefined ? [{ spec: config.port, path: [...base, 'port'] }] : (config.ports ?? []).map((spec, i) => ({ spec, path: [...base, 'ports', i] }));
  const mappings: PortMapping[] = [];
  for (const { spec, path: where } of specs) {
    const parsed = parsePortSpec(spec);
    if (parsed.ok) mappings.push(parsed.mapping);
    else problems.push({ path: where, message: parsed.message, ...(parsed.hint === undefined ? {} : { hint: parsed.hint }) });
  }
  return mappings;
}

/** What env and env_file are read from: a container or process service, or a host migration step. */
export interface EnvConfig {
  env?: Record<string, string | number | boolean>;
  env_file?: string | string[];
}

/** Variables from env_file(s), in order, each value interpolated like an env value. */
function envFileValues(base: Path, config: EnvConfig, context: ContainerContext, problems: Problem[]): Map<string, Template> {
  const values = new Map<string, Template>();
  const files = config.env_file === undefined ? [] : typeof config.env_file === 'string' ? [config.env_file] : config.env_file;
  files.forEach((file, index) => {
    const where = [...base, 'env_file', ...(typeof config.env_file === 'string' ? [] : [index])];
    const absolute = path.resolve(context.dir, file);
    let text: string;
    try {
      const stat = statSync(absolute);
      if (!stat.isFile()) {
        problems.push({ path: where, message: `env file ${JSON.stringify(file)} is ${stat.isDirectory() ? 'a folder' : 'not a regular file'} (looked for ${absolute})` });
        return;
      }
      if (stat.size > MAX_CONFIG_BYTES) {
        problems.push({ path: where, message: `env file ${JSON.stringify(file)} is ${stat.size} bytes; the limit is ${MAX_CONFIG_BYTES} bytes (1 MiB)`, hint: 'env_file names files of KEY=value lines' });
        return;
      }
      text = readFileSync(absolute, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' || code === 'ENOTDIR' ? 'not found' : `cannot be read (${code ?? (error as Error).message})`;
      problems.push({ path: where, message: `env file ${JSON.stringify(file)} ${why} (looked for ${absolute})` });
      return;
    }
    const shown = context.display(absolute);
    const parsed = parseDotenv(text);
    for (const error of parsed.errors) {
      problems.push({ path: [], file: shown, line: error.line, col: 1, message: dotenvErrorMessage(error), hint: DOTENV_HINT });
    }
    for (const entry of parsed.entries) {
      if (!entry.interpolate) {
        values.set(entry.key, [entry.value]);
        continue;
      }
      const result = interpolate(entry.value, context.vars, true, false);
      if (result.ok) values.set(entry.key, result.template);
      else problems.push({ path: [entry.key], file: shown, line: entry.line, col: 1, message: result.error });
    }
  });
  return values;
}

/** env over env_file; `templates` are the env values with their references (from interpolation), keyed by variable. */
export function normaliseEnv(base: Path, config: EnvConfig, templates: Map<string, Template> | undefined, context: ContainerContext, problems: Problem[]): Record<string, Template> {
  const merged = envFileValues(base, config, context, problems);
  for (const [key, value] of Object.entries(config.env ?? {})) {
    if (!ENV_KEY.test(key)) problems.push({ path: [...base, 'env', key], at: 'key', message: `expected a variable name without "=" or spaces, got ${JSON.stringify(key)}` });
    merged.set(key, templates?.get(key) ?? [String(value)]);
  }
  return Object.fromEntries(merged);
}

function normaliseVolumes(name: string, config: ContainerServiceConfig, context: ContainerContext, problems: Problem[]): VolumeMount[] {
  const mounts: VolumeMount[] = [];
  (config.volumes ?? []).forEach((spec, index) => {
    const parsed = parseVolume(spec, { project: context.project, dir: context.dir, ...(context.home === undefined ? {} : { home: context.home }) });
    if ('mount' in parsed) mounts.push(parsed.mount);
    else problems.push({ path: ['services', name, 'volumes', index], message: parsed.error });
  });
  return mounts;
}

export function normaliseContainer(name: string, config: ContainerServiceConfig, context: ContainerContext, problems: Problem[]): ContainerService {
  const base = ['services', name];
  const build = normaliseBuild(config.build, context.dir);
  const ports = normalisePorts(name, config, problems);
  const oneshot = config.oneshot ?? false;
  const restart = normaliseRestart(config, base, problems);
  if (oneshot && restart.policy === 'always') {
    problems.push({ path: [...base, 'restart'], message: 'a oneshot service runs to completion; restart: always would run it forever', hint: 'use restart: on-failure to retry it, or drop oneshot' });
  }
  const service: ContainerService = {
    kind: 'container',
    name,
    dependsOn: normaliseDependsOn(config, base, problems),
    aliases: normaliseAliases(config),
    image: config.image ?? `${context.project}-${name}:devenv`,
    ports,
    env: normaliseEnv(base, config, context.envTemplates.get(name), context, problems),
    volumes: normaliseVolumes(name, config, context, problems),
    // A one-shot is done when it exits 0: its health is its exit code.
    health: oneshot ? { type: 'none' } : normaliseHealth(config.health, ports, base, problems),
    restart,
    stopTimeoutMs: normaliseStopTimeout(config, base, problems),
    oneshot,
  };
  if (oneshot && config.health !== undefined) {
    problems.push({ path: [...base, 'health'], at: 'key', message: 'a oneshot service has no health check: it succeeds when it exits 0' });
  }
  if (build !== undefined) service.build = build;
  if (config.command !== undefined) service.command = typeof config.command === 'string' ? ['sh', '-c', config.command] : config.command;
  if (config.working_dir !== undefined) {
    if (config.working_dir.startsWith('/')) service.workingDir = config.working_dir;
    else problems.push({ path: [...base, 'working_dir'], message: `expected an absolute path in the container, such as /app, got ${JSON.stringify(config.working_dir)}` });
  }
  return service;
}
