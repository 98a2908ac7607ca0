import path from 'node:path';
import type { EnvTemplates } from './interpolate-document.js';
import type { Vars } from './interpolate.js';
import { projectNameFromFolder } from './project-name.js';
import { normaliseContainer, normaliseEnv, type ContainerContext } from './normalise-container.js';
import { normaliseProcess } from './normalise-process.js';
import { normalisePostgres } from './normalise-postgres.js';
import type { Problem } from './problems.js';
import type { ContainerService, Migration, Project, Service, Template } from './project.js';
import type { MigrationConfig } from './schema.js';
import type { ValidConfig } from './validate.js';

export interface NormaliseContext {
  file: string;
  vars: Vars;
  envTemplates: EnvTemplates;
  imageTemplates: Map<string, Template>;
  passwordSources: Map<string, string>;
  display: (file: string) => string;
  home?: string;
}

function normaliseMigration(step: MigrationConfig, index: number, context: ContainerContext, problems: Problem[]): Migration | undefined {
  const base = ['migrations', index];
  const dir = context.dir;
  const kinds = (['run', 'sql', 'process'] as const).filter((k) => step[k] !== undefined);
  if (kinds.length > 1) {
    problems.push({ path: base, message: `a migration step is one of run (in a container), sql (a folder) or process (on the host), not ${kinds.join(' and ')}` });
    return undefined;
  }
  const kind = kinds[0] ?? (step.service !== undefined ? 'run' : step.database !== undefined ? 'sql' : undefined);
  const when = step.when ?? 'always';
  const misplaced = (field: 'service' | 'cwd' | 'env' | 'inputs', allowed: string) => {
    if (step[field] !== undefined) problems.push({ path: [...base, field], at: 'key', message: `${field} belongs to a ${allowed} step` });
  };
  if (kind === 'sql') {
    misplaced('service', 'run:');
    misplaced('cwd', 'process:');
    misplaced('env', 'process:');
    // A sql: step's inputs are its folder's files, always.
    misplaced('inputs', 'process: or run:');
    if (step.sql === undefined) problems.push({ path: [...base, 'database'], at: 'key', message: 'sql is missing: the folder of .sql files to apply to database' });
    if (step.database === undefined) problems.push({ path: [...base, 'sql'], at: 'key', message: 'database is missing: the Postgres service the sql files are applied to' });
    if (step.sql === undefined || step.database === undefined) return undefined;
    return { kind: 'sql', name: step.name, when, database: step.database, dir: path.resolve(dir, step.sql) };
  }
  const common = { ...(step.database === undefined ? {} : { database: step.database }), ...(step.inputs ? { inputs: step.inputs.map((p) => path.resolve(dir, p)) } : {}) };
  if (kind === 'process') {
    misplaced('service', 'run:');
    const command = typeof step.process === 'string' ? ['sh', '-c', step.process] : step.process!;
    const env = normaliseEnv(base, step, context.envTemplates.get(`migrations/${index}`), context, problems);
    return { kind: 'process', name: step.name, when, command, cwd: path.resolve(dir, step.cwd ?? '.'), env, ...common };
  }
  misplaced('cwd', 'process:');
  misplaced('env', 'process:');
  if (step.run === undefined || step.service === undefined) {
    const message =
      step.run !== undefined
        ? 'service is missing: the container service whose image and env run this step'
        : step.service !== undefined
          ? 'run is missing: the command to run in a one-off container of service'
          : 'a migration step needs run and service, process (on the host), or sql and database';
    problems.push({ path: base, message });
    return undefined;
  }
  const command = typeof step.run === 'string' ? ['sh', '-c', step.run] : step.run;
  return { kind: 'run', name: step.name, when, service: step.service, command, ...common };
}

/** Builds the Project from the validated config, filling every default. Collects problems. */
export function normalise(config: ValidConfig, context: NormaliseContext, problems: Problem[]): Project {
  const dir = path.dirname(context.file);
  let name = config.top.name ?? projectNameFromFolder(dir);
  if (name === '') {
    problems.push({ path: [], line: 1, col: 1, message: `cannot derive a project name from the folder ${JSON.stringify(path.basename(dir))}; set name: at the top` });
    name = 'devenv';
  }
  const shared: ContainerContext = { project: name, dir, vars: context.vars, envTemplates: context.envTemplates, display: context.display, ...(context.home === undefined ? {} : { home: context.home }) };
  const services: Service[] = config.services.map((service) =>
    service.kind === 'postgres' ? normalisePostgres(service.name, service.config, { project: name, dir, passwordSource: context.passwordSources.get(service.name) }, problems)
      : service.kind === 'process' ? normaliseProcess(service.name, service.config, shared, problems)
        : normaliseContainer(service.name, service.config, shared, problems),
  );
  const migrations: Migration[] = [];
  (config.top.migrations ?? []).forEach((step, index) => {
    const migration = normaliseMigration(step, index, shared, problems);
    if (migration) migrations.push(migration);
  });
  linkSharedBuilds(services, context.imageTemplates, problems);
  const configured = (test: (c: Record<string, unknown>) => boolean) => new Set(config.services.filter((s) => s.kind !== 'postgres' && test(s.config)).map((s) => s.name));
  inferOneshots(services, configured((c) => c.health !== undefined), configured((c) => c.oneshot === false), problems);
  // A `when: fresh` step follows the only database when it names none (cross-check refuses 0 or several).
  const databases = services.filter((s) => s.kind === 'postgres');
  for (const m of migrations) if (m.kind !== 'sql' && m.when === 'fresh' && !m.database && databases.length === 1) m.database = databases[0]!.name;
  return { name, file: context.file, dir, services, migrations };
}

/**
 * A service that runs another service's built image (a worker beside the web app) names it with
 * `image: ${web.image}`, or with the same tag that service's `build` produces, as in Compose. The
 * image is then built once and never pulled.
 */
function linkSharedBuilds(services: Service[], imageTemplates: Map<string, Template>, problems: Problem[]): void {
  const built = new Map<string, ContainerService>();
  const builtByImage = new Map<string, ContainerService>();
  for (const s of services) {
    if (s.kind !== 'container' || s.build === undefined) continue;
    built.set(s.name, s);
    if (!builtByImage.has(s.image)) builtByImage.set(s.image, s);
  }
  for (const s of services) {
    if (s.kind !== 'container') continue;
    if (s.build !== undefined && imageTemplates.has(s.name)) {
      problems.push({ path: ['services', s.name, 'image'], message: 'a service with build names the tag of its own image; ${service.image} is for a service that runs another one\'s build' });
      continue;
    }
    if (s.build !== undefined) continue;
    const template = imageTemplates.get(s.name);
    if (template) {
      const [ref, ...rest] = template;
      if (rest.length > 0 || ref === undefined || typeof ref === 'string' || ref.field !== 'image') {
        problems.push({ path: ['services', s.name, 'image'], message: 'expected ${service.image} alone, naming a service that has build' });
        continue;
      }
      const source = built.get(ref.service);
      if (!source) {
        const names = [...built.keys()];
        problems.push({ path: ['services', s.name, 'image'], message: `\${${ref.service}.image}: "${ref.service}" is not a service with build${names.length ? `; those are ${names.join(', ')}` : ''}` });
        continue;
      }
      s.buildFrom = source.name;
      s.image = source.image;
      continue;
    }
    const source = builtByImage.get(s.image);
    if (source) s.buildFrom = source.name;
  }
}

/** A service others wait on with service_completed_successfully runs to completion, as Compose reads it. */
function inferOneshots(services: Service[], explicitHealth: Set<string>, notOneshot: Set<string>, problems: Problem[]): void {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of services) {
    for (const d of s.dependsOn) {
      if (d.condition !== 'completed') continue;
      const target = byName.get(d.service);
      if (target?.kind === 'postgres') {
        problems.push({ path: ['services', s.name, 'depends_on', d.service, 'condition'], message: `${d.service} is a Postgres service, which never completes; use service_healthy` });
      } else if (target && !target.oneshot) {
        const where = ['services', s.name, 'depends_on', d.service, 'condition'];
        if (notOneshot.has(d.service)) problems.push({ path: where, message: `${d.service} says oneshot: false, so it never completes; use service_started or service_healthy` });
        else if (target.restart.policy === 'always') problems.push({ path: where, message: `${d.service} has restart: always, so it never completes; use service_started or service_healthy` });
        else if (explicitHealth.has(d.service)) {
          problems.push({ path: where, message: `${d.service} has a health check, which a service that completes does not use; use service_healthy, or drop its health` });
        }
        target.oneshot = true;
        target.health = { type: 'none' };
      }
    }
  }
}
