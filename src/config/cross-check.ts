import { statSync } from 'node:fs';
import path from 'node:path';
import { parsePortSpec } from './ports.js';
import type { Path, Problem } from './problems.js';
import { dependencyNames, REF_FIELDS, type Project, type Service, type Template } from './project.js';
import type { ValidConfig } from './validate.js';
import { suggest } from './zod-issues.js';

function kindOf(path: string): 'file' | 'folder' | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'folder' : stat.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

function expectPath(absolute: string, shown: string, kind: 'file' | 'folder', where: Path, problems: Problem[]): boolean {
  const found = kindOf(absolute);
  if (found === kind) return true;
  const what = found === undefined ? 'not found' : `is a ${found}, not a ${kind}`;
  problems.push({ path: where, message: `${kind} ${JSON.stringify(shown)} ${what} (looked for ${absolute})` });
  return false;
}

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
      else if (!names.has(target)) {
        const guess = suggest(target, [...names]);
        problems.push({
          path: where,
          at,
          message: `unknown service "${target}"${guess ? ` — did you mean "${guess}"?` : `; the services are ${[...names].join(', ')}`}`,
        });
      }
    }
  }
  const byName = new Map(project.services.map((s) => [s.name, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (service: Service, stack: string[]): void => {
    state.set(service.name, 'visiting');
    for (const next of dependencyNames(service)) {
      const target = byName.get(next);
      if (target === undefined || next === service.name) continue;
      if (state.get(next) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...new Set(cycle)].sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          problems.push({ path: ['services', next, 'depends_on'], message: `dependency cycle: ${cycle.join(' -> ')}` });
        }
      } else if (state.get(next) === undefined) visit(target, [...stack, next]);
    }
    state.set(service.name, 'done');
  };
  for (const service of project.services) if (!state.has(service.name)) visit(service, [service.name]);
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

const describeKind = (s: Service | undefined): string =>
  s === undefined ? 'unknown' : s.kind === 'postgres' ? 'a Postgres service' : s.kind === 'process' ? 'a host process' : 'a container service';

function checkMigrations(project: Project, config: ValidConfig, problems: Problem[]): void {
  const seen = new Set<string>();
  const databases = project.services.filter((s) => s.kind === 'postgres').map((s) => s.name);
  (config.top.migrations ?? []).forEach((step, index) => {
    const base = ['migrations', index];
    if (seen.has(step.name)) problems.push({ path: [...base, 'name'], message: `duplicate migration name "${step.name}"; each step needs its own name` });
    seen.add(step.name);
    const service = step.service === undefined ? undefined : project.services.find((s) => s.name === step.service);
    if (step.service !== undefined && service?.kind !== 'container') {
      problems.push({ path: [...base, 'service'], message: `expected a container service (image or build), got "${step.service}" (${describeKind(service)})` });
    }
    const database = step.database === undefined ? undefined : project.services.find((s) => s.name === step.database);
    if (step.database !== undefined && database?.kind !== 'postgres') {
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
    const raw = config.services.find((s) => s.name === service.name);
    if (raw?.kind !== 'container') continue;
    // Walk the specs as written, so a path points at its own entry even when another failed to parse.
    const specs = raw.config.port !== undefined ? [{ spec: raw.config.port, where: ['port'] }] : (raw.config.ports ?? []).map((spec, i) => ({ spec, where: ['ports', i] }));
    for (const { spec, where } of specs) {
      const parsed = parsePortSpec(spec);
      if (parsed.ok) claim(parsed.mapping.hostPort, parsed.mapping.protocol, `service "${service.name}"`, ['services', service.name, ...where]);
    }
  }
}

function checkFiles(project: Project, config: ValidConfig, problems: Problem[]): void {
  for (const service of project.services) {
    const raw = config.services.find((s) => s.name === service.name);
    const base = ['services', service.name];
    if (service.kind === 'postgres' && raw?.kind === 'postgres') {
      const init = raw.config.postgres?.init;
      const shown = typeof init === 'string' ? [init] : (init ?? []);
      service.init.forEach((file, index) => {
        expectPath(file, shown[index] ?? file, 'file', [...base, 'postgres', 'init', ...(typeof init === 'string' ? [] : [index])], problems);
      });
    }
    if (service.kind === 'container' && service.build && raw?.kind === 'container') {
      const build = raw.config.build;
      const object = typeof build === 'object';
      const contextShown = object ? (build.context ?? '.') : (build ?? '.');
      const contextPath = object && build.context !== undefined ? [...base, 'build', 'context'] : [...base, 'build'];
      if (expectPath(service.build.context, contextShown, 'folder', contextPath, problems)) {
        const dockerfile = path.resolve(service.build.context, service.build.dockerfile);
        const where = object && build.dockerfile !== undefined ? [...base, 'build', 'dockerfile'] : contextPath;
        expectPath(dockerfile, path.join(contextShown, service.build.dockerfile), 'file', where, problems);
      }
    }
    if (service.kind === 'process' && raw?.kind === 'process' && raw.config.cwd !== undefined) {
      expectPath(service.cwd, raw.config.cwd, 'folder', [...base, 'cwd'], problems);
    }
    if (service.kind === 'container') {
      // The engine refuses to start a container whose bind-mount source is missing; say so now.
      service.volumes.forEach((volume, index) => {
        if (volume.type === 'bind' && kindOf(volume.source) === undefined) {
          problems.push({ path: [...base, 'volumes', index], message: `host path ${volume.source} does not exist; create it, or mount a named volume ("name:${volume.target}")` });
        }
      });
    }
  }
}

function checkReferences(project: Project, config: ValidConfig, problems: Problem[]): void {
  const check = (env: Record<string, Template>, written: Record<string, unknown>, base: Path) => {
    for (const [key, template] of Object.entries(env)) {
      const where = key in written ? [...base, 'env', key] : [...base, 'env_file'];
      for (const part of template) {
        if (typeof part === 'string') continue;
        const shown = `\${${part.service}.${part.field}}`;
        const target = project.services.find((s) => s.name === part.service);
        if (target === undefined) {
          problems.push({ path: where, message: `${shown} refers to an unknown service "${part.service}"` });
        } else if (target.kind !== 'postgres') {
          problems.push({ path: where, message: `${shown}: references are to Postgres services, and "${part.service}" is ${describeKind(target)}` });
        } else if (!REF_FIELDS.includes(part.field)) {
          const guess = suggest(part.field, REF_FIELDS);
          const expected = guess ? `did you mean "${guess}"?` : `expected one of ${REF_FIELDS.join(', ')}`;
          problems.push({ path: where, message: `${shown}: unknown field "${part.field}" — ${expected}` });
        }
      }
    }
  };
  for (const service of project.services) {
    if (service.kind === 'postgres') continue;
    const raw = config.services.find((s) => s.name === service.name);
    check(service.env, raw && raw.kind !== 'postgres' ? (raw.config.env ?? {}) : {}, ['services', service.name]);
  }
  project.migrations.forEach((m, index) => {
    if (m.kind === 'process') check(m.env, config.top.migrations?.[index]?.env ?? {}, ['migrations', index]);
  });
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
