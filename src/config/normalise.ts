import path from 'node:path';
import type { EnvTemplates } from './interpolate-document.js';
import type { Vars } from './interpolate.js';
import { normaliseContainer } from './normalise-container.js';
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
  display: (file: string) => string;
  home?: string;
}

/** The folder's name lower-cased, other characters replaced by "-", leading "-"/"_" and trailing "-" trimmed. */
export function projectNameFromFolder(dir: string): string {
  return path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .replace(/^[-_]+/, '')
    .replace(/-+$/, '');
}

function normaliseMigration(step: MigrationConfig, index: number, dir: string, problems: Problem[]): Migration | undefined {
  const base = ['migrations', index];
  const hasRun = step.run !== undefined || step.service !== undefined;
  const hasSql = step.sql !== undefined || step.database !== undefined;
  if (hasRun && hasSql) {
    problems.push({ path: base, message: 'a migration step has either run and service, or sql and database, not both' });
    return undefined;
  }
  if (hasSql) {
    if (step.sql === undefined) problems.push({ path: [...base, 'database'], at: 'key', message: 'sql is missing: the folder of .sql files to apply to database' });
    if (step.database === undefined) problems.push({ path: [...base, 'sql'], at: 'key', message: 'database is missing: the Postgres service the sql files are applied to' });
    if (step.sql === undefined || step.database === undefined) return undefined;
    return { kind: 'sql', name: step.name, database: step.database, dir: path.resolve(dir, step.sql) };
  }
  if (step.run === undefined || step.service === undefined) {
    const message =
      step.run !== undefined
        ? 'service is missing: the container service whose image and env run this step'
        : step.service !== undefined
          ? 'run is missing: the command to run in a one-off container of service'
          : 'a migration step needs run and service, or sql and database';
    problems.push({ path: base, message });
    return undefined;
  }
  const command = typeof step.run === 'string' ? ['sh', '-c', step.run] : step.run;
  return { kind: 'run', name: step.name, service: step.service, command };
}

/** Builds the Project from the validated config, filling every default. Collects problems. */
export function normalise(config: ValidConfig, context: NormaliseContext, problems: Problem[]): Project {
  const dir = path.dirname(context.file);
  let name = config.top.name ?? projectNameFromFolder(dir);
  if (name === '') {
    problems.push({ path: [], line: 1, col: 1, message: `cannot derive a project name from the folder ${JSON.stringify(path.basename(dir))}; set name: at the top` });
    name = 'devenv';
  }
  const services: Service[] = config.services.map((service) =>
    service.kind === 'postgres'
      ? normalisePostgres(service.name, service.config, { project: name, dir }, problems)
      : normaliseContainer(service.name, service.config, { project: name, dir, vars: context.vars, envTemplates: context.envTemplates, display: context.display, ...(context.home === undefined ? {} : { home: context.home }) }, problems),
  );
  const migrations: Migration[] = [];
  (config.top.migrations ?? []).forEach((step, index) => {
    const migration = normaliseMigration(step, index, dir, problems);
    if (migration) migrations.push(migration);
  });
  linkSharedBuilds(services, context.imageTemplates, problems);
  inferOneshots(services, problems);
  return { name, file: context.file, dir, services, migrations };
}

/**
 * A service that runs another service's built image (a worker beside the web app) names it with
 * `image: ${web.image}`, or with the same tag that service's `build` produces, as in Compose. The
 * image is then built once and never pulled.
 */
function linkSharedBuilds(services: Service[], imageTemplates: Map<string, Template>, problems: Problem[]): void {
  const built = services.filter((s): s is ContainerService => s.kind === 'container' && s.build !== undefined);
  for (const s of services) {
    if (s.kind !== 'container' || s.build !== undefined) continue;
    const template = imageTemplates.get(s.name);
    if (template) {
      const [ref, ...rest] = template;
      if (rest.length > 0 || ref === undefined || typeof ref === 'string' || ref.field !== 'image') {
        problems.push({ path: ['services', s.name, 'image'], message: 'expected ${service.image} alone, naming a service that has build' });
        continue;
      }
      const source = built.find((b) => b.name === ref.service);
      if (!source) {
        const names = built.map((b) => b.name);
        problems.push({ path: ['services', s.name, 'image'], message: `\${${ref.service}.image}: "${ref.service}" is not a service with build${names.length ? `; those are ${names.join(', ')}` : ''}` });
        continue;
      }
      s.buildFrom = source.name;
      s.image = source.image;
      continue;
    }
    const source = built.find((b) => b.image === s.image);
    if (source) s.buildFrom = source.name;
  }
}

/** A service others wait on with service_completed_successfully runs to completion, as Compose reads it. */
function inferOneshots(services: Service[], problems: Problem[]): void {
  for (const s of services) {
    for (const d of s.dependsOn) {
      if (d.condition !== 'completed') continue;
      const target = services.find((t) => t.name === d.service);
      if (target?.kind === 'postgres') {
        problems.push({ path: ['services', s.name, 'depends_on', d.service, 'condition'], message: `${d.service} is a Postgres service, which never completes; use service_healthy` });
      } else if (target && !target.oneshot) {
        target.oneshot = true;
        target.health = { type: 'none' };
      }
    }
  }
}
