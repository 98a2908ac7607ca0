import path from 'node:path';
import type { EnvTemplates } from './interpolate-document.js';
import type { Vars } from './interpolate.js';
import { normaliseContainer } from './normalise-container.js';
import { normalisePostgres } from './normalise-postgres.js';
import type { Problem } from './problems.js';
import type { Migration, Project, Service } from './project.js';
import type { MigrationConfig } from './schema.js';
import type { ValidConfig } from './validate.js';

export interface NormaliseContext {
  file: string;
  vars: Vars;
  envTemplates: EnvTemplates;
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
  return { name, file: context.file, dir, services, migrations };
}
