import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parsePortSpec } from './ports.js';
import type { Path, Problem } from './problems.js';
import { checkReferences, configsByName, describeKind, servicesByName, unknownService } from './check-names.js';
import { dependencyNames, type BuildSpec, type Project, type Service } from './project.js';
import type { ContainerServiceConfig } from './schema.js';
import type { ServiceConfig, ValidConfig } from './validate.js';
import { suggest } from '../util/suggest.js';

type PathKind = 'file' | 'folder' | 'socket' | 'fifo' | 'device' | 'other';

/** What is at a path (symlinks followed); undefined when nothing is, or it cannot be looked at. */
function kindOf(path: string): PathKind | undefined {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return 'folder';
    if (stat.isFile()) return 'file';
    if (stat.isSocket()) return 'socket';
    if (stat.isFIFO()) return 'fifo';
    return stat.isCharacterDevice() || stat.isBlockDevice() ? 'device' : 'other';
  } catch {
    return undefined;
  }
}

/**
 * Whether a bind-mount source is missing. Anything that exists will do (a socket such as
 * /var/run/docker.sock, a device, a fifo); a path devenv may not look at is left to the engine.
 */
function missing(path: string): boolean {
  try {
    statSync(path);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

function expectPath(absolute: string, shown: string, kind: 'file' | 'folder', where: Path, problems: Problem[], hint?: string): boolean {
  const found = kindOf(absolute);
  if (found === kind) return true;
  const cased = found === undefined ? otherCase(absolute) : undefined;
  const what = found === undefined ? `not found${cased ? ` (there is ${JSON.stringify(cased)}: names are case-sensitive)` : ''}` : `is a ${found === 'other' ? 'special file' : found}, not a ${kind}`;
  problems.push({ path: where, message: `${kind} ${JSON.stringify(shown)} ${what} (looked for ${absolute})`, ...(hint === undefined ? {} : { hint }) });
  return false;
}

/** The name in the same folder that differs only in case (DockerFile for Dockerfile), if one does. */
function otherCase(absolute: string): string | undefined {
  try {
    const name = path.basename(absolute).toLowerCase();
    return readdirSync(path.dirname(absolute)).find((entry) => entry.toLowerCase() === name);
  } catch {
    return undefined;
  }
}

/** Lookups by name: a generated file may declare thousands of services, and each is checked against the others. */

function checkDependencies(project: Project, config: ValidConfig, problems: Problem[]): void {
  const names = new Set(project.services.map((s) => s.name));
  for (const service of config.services) {
    const declared = service.config.depends_on;
    // Each entry where it is written: a list index, or a map key.
    const entries = Array.isArray(declared)
      ? declared.map((target, index) => ({ target, where: ['services', service.name, 'depends_on', index] as Path, at: 'value' as const }))
      : Object.keys(declared ?? {}).map((target) => ({ target, where: ['services', service.name, 'depends_on', target] as Path, at: 'key' as const }));
    for (const { target, where, at } of entries) {
      if (target === service.name) problems.push({ path: where, at, message: `${service.name} cannot depend on itself` });
      else if (!names.has(target)) problems.push({ path: where, at, message: unknownService(target, [...names]) });
    }
  }
  reportCycles(project, problems);
}

/** Each dependency cycle once. Iterative: a generated file may chain thousands of services. */
function reportCycles(project: Project, problems: Problem[]): void {
  const byName = new Map(project.services.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  for (const start of project.services) {
    if (state.has(start.name)) continue;
    // The path from start, each service with the dependencies it has left to visit.
    const path: { name: string; next: string[] }[] = [{ name: start.name, next: dependencyNames(start).reverse() }];
    state.set(start.name, 'visiting');
    while (path.length > 0) {
      const top = path[path.length - 1] as { name: string; next: string[] };
      const next = top.next.pop();
      if (next === undefined) {
        state.set(top.name, 'done');
        path.pop();
        continue;
      }
      const target = byName.get(next);
      if (target === undefined || next === top.name) continue;
      if (state.get(next) === 'visiting') {
        const names = path.map((p) => p.name);
        const cycle = [...names.slice(names.indexOf(next)), next];
        const key = [...new Set(cycle)].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          problems.push({ path: ['services', next, 'depends_on'], message: `dependency cycle: ${cycle.join(' -> ')}` });
        }
      } else if (state.get(next) === undefined) {
        state.set(next, 'visiting');
        path.push({ name: next, next: dependencyNames(target).reverse() });
      }
    }
  }
}

/** Every name on the project network (service names and aliases) must be unique. */
function checkAliases(project: Project, problems: Problem[]): void {
  const owners = new Map(project.services.map((s) => [s.name, s.name]));
  for (const service of project.services) {
    service.aliases.forEach((alias, index) => {
      const owner = owners.get(alias);
      if (owner === service.name) return;
      if (owner !== undefined) {
        problems.push({ path: ['services', service.name, 'aliases', index], message: `"${alias}" already names ${owner === alias ? `the service ${owner}` : `an alias of ${owner}`}; each name on the project network must be unique` });
      } else owners.set(alias, service.name);
    });
  }
}

function checkMigrations(project: Project, config: ValidConfig, problems: Problem[]): void {
  const byName = servicesByName(project);
  const seen = new Set<string>();
  const databases = project.services.filter((s) => s.kind === 'postgres').map((s) => s.name);
  (config.top.migrations ?? []).forEach((step, index) => {
    const base = ['migrations', index];
    if (seen.has(step.name)) problems.push({ path: [...base, 'name'], message: `duplicate migration name "${step.name}"; each step needs its own name` });
    seen.add(step.name);
    const service = step.service === undefined ? undefined : byName.get(step.service);
    if (step.service !== undefined && service === undefined) problems.push({ path: [...base, 'service'], message: unknownService(step.service, [...byName.keys()]) });
    else if (step.service !== undefined && service?.kind !== 'container') {
      problems.push({ path: [...base, 'service'], message: `expected a container service (image or build), got "${step.service}" (${describeKind(service)})` });
    }
    const database = step.database === undefined ? undefined : byName.get(step.database);
    if (step.database !== undefined && database === undefined) problems.push({ path: [...base, 'database'], message: unknownService(step.database, [...byName.keys()]) });
    else if (step.database !== undefined && database?.kind !== 'postgres') {
      problems.push({ path: [...base, 'database'], message: `expected a Postgres service, got "${step.database}" (${describeKind(database)})` });
    }
    // A step that runs once per database must know which database.
    if (step.when === 'fresh' && step.sql === undefined && step.database === undefined && databases.length !== 1) {
      problems.push({
        path: [...base, 'when'],
        message: databases.length === 0
          ? 'when: fresh runs a step once per database, and the project has no Postgres service'
          : `when: fresh runs a step once per database: name it with database (one of ${databases.join(', ')})`,
      });
    }
    if (step.sql !== undefined) expectPath(path.resolve(project.dir, step.sql), step.sql, 'folder', [...base, 'sql'], problems);
    if (step.cwd !== undefined) expectPath(path.resolve(project.dir, step.cwd), step.cwd, 'folder', [...base, 'cwd'], problems);
  });
}

function checkPorts(project: Project, config: ValidConfig, problems: Problem[]): void {
  const rawByName = configsByName(config);
  const owners = new Map<string, string>();
  const claim = (port: number, protocol: string, owner: string, where: Path): void => {
    if (port === 0) return;
    const key = `${port}/${protocol}`;
    const first = owners.get(key);
    if (first === undefined) owners.set(key, owner);
    else problems.push({ path: where, message: `host port ${port} is already published by ${first}`, hint: 'give each published port its own host port, or 0 for any free port' });
  };
  for (const service of project.services) {
    if (service.kind === 'postgres') {
      claim(service.hostPort, 'tcp', `service "${service.name}"`, ['services', service.name, 'postgres', 'port']);
      continue;
    }
    if (service.kind === 'process') {
      if (service.port !== undefined) claim(service.port, 'tcp', `service "${service.name}"`, ['services', service.name, 'port']);
      continue;
    }
    const raw = rawByName.get(service.name);
    if (raw?.kind !== 'container') continue;
    // Walk the specs as written, so a path points at its own entry even when another failed to parse.
    const specs = raw.config.port !== undefined ? [{ spec: raw.config.port, where: ['port'] }] : (raw.config.ports ?? []).map((spec, i) => ({ spec, where: ['ports', i] }));
    for (const { spec, where } of specs) {
      const parsed = parsePortSpec(spec);
      if (parsed.ok) claim(parsed.mapping.hostPort, parsed.mapping.protocol, `service "${service.name}"`, ['services', service.name, ...where]);
    }
  }
}

/**
 * The context folder and the Dockerfile in it. The runtime sends the engine the context alone and
 * names the Dockerfile by its path inside it, so a Dockerfile outside is refused here, at validate.
 */
function checkBuild(build: BuildSpec, raw: ContainerServiceConfig['build'], base: Path, problems: Problem[]): void {
  const object = typeof raw === 'object';
  const contextShown = object ? (raw.context ?? '.') : (raw ?? '.');
  const contextPath = object && raw.context !== undefined ? [...base, 'build', 'context'] : [...base, 'build'];
  if (!expectPath(build.context, contextShown, 'folder', contextPath, problems)) return;
  const where = object && raw.dockerfile !== undefined ? [...base, 'build', 'dockerfile'] : contextPath;
  const dockerfile = path.resolve(build.context, build.dockerfile);
  const inside = path.relative(build.context, dockerfile);
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) {
    problems.push({
      path: where,
      message: `the Dockerfile ${dockerfile} is outside the build context ${build.context}; the engine is sent only the context`,
      hint: `move the Dockerfile into ${build.context}, or set build.context to a folder that contains it (dockerfile is relative to the context)`,
    });
    return;
  }
  expectPath(dockerfile, path.join(contextShown, build.dockerfile), 'file', where, problems, 'create the Dockerfile, or set build.dockerfile to its path relative to the build context');
}

function checkFiles(project: Project, config: ValidConfig, problems: Problem[]): void {
  const rawByName = configsByName(config);
  for (const service of project.services) {
    const raw = rawByName.get(service.name);
    const base = ['services', service.name];
    if (service.kind === 'postgres' && raw?.kind === 'postgres') {
      const init = raw.config.postgres?.init;
      const shown = typeof init === 'string' ? [init] : (init ?? []);
      service.init.forEach((file, index) => {
        expectPath(file, shown[index] ?? file, 'file', [...base, 'postgres', 'init', ...(typeof init === 'string' ? [] : [index])], problems);
      });
    }
    if (service.kind === 'container' && service.build && raw?.kind === 'container') checkBuild(service.build, raw.config.build, base, problems);
    if (service.kind === 'process' && raw?.kind === 'process' && raw.config.cwd !== undefined) {
      expectPath(service.cwd, raw.config.cwd, 'folder', [...base, 'cwd'], problems);
    }
    if (service.kind === 'container') {
      // The engine refuses to start a container whose bind-mount source is missing; say so now.
      service.volumes.forEach((volume, index) => {
        if (volume.type === 'bind' && missing(volume.source)) {
          problems.push({ path: [...base, 'volumes', index], message: `host path ${volume.source} does not exist; create it, or mount a named volume ("name:${volume.target}")` });
        }
      });
    }
  }
}

/** Checks that span fields: references between services and migrations, ports, and files on disk. */
export function crossCheck(project: Project, config: ValidConfig, problems: Problem[]): void {
  checkDependencies(project, config, problems);
  checkAliases(project, problems);
  checkMigrations(project, config, problems);
  checkPorts(project, config, problems);
  checkFiles(project, config, problems);
  checkReferences(project, config, problems);
}
