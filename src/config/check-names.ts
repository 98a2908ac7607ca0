/**
 * Checks of the names devenv.yml uses for its services: references (`${db.url}`), dependencies and
 * migrations' targets, on the whole project and, when the file's shape is wrong, on the names as written.
 */
import { DevenvError } from '../errors.js';
import type { Path, Problem } from './problems.js';
import { REF_FIELDS, type Project, type Service, type Template } from './project.js';
import type { ServiceConfig, ValidConfig } from './validate.js';
import { suggest } from '../util/suggest.js';

export const servicesByName = (project: Project): Map<string, Service> => new Map(project.services.map((s) => [s.name, s]));
export const configsByName = (config: ValidConfig): Map<string, ServiceConfig> => new Map(config.services.map((s) => [s.name, s]));

/** "a, b, c", or the first ten and how many more. */
function listNames(names: readonly string[]): string {
  return names.length <= 10 ? names.join(', ') : `${names.slice(0, 10).join(', ')} and ${names.length - 10} more`;
}

export function unknownService(target: string, names: string[]): string {
  const guess = suggest(target, names);
  return `unknown service "${target}"${guess ? ` — did you mean "${guess}"?` : `; the services are ${listNames(names)}`}`;
}

/** Services named on the command line that devenv.yml lacks: named, with the likeliest meant and the list. */
export function noSuchServices(unknown: string[], names: string[], file: string): DevenvError {
  const guesses = unknown.map((n) => suggest(n, names)).filter((g): g is string => g !== undefined);
  return new DevenvError('USAGE', `no service ${unknown.map((n) => `"${n}"`).join(', ')} in ${file}${guesses.length === unknown.length ? ` — did you mean ${guesses.map((g) => `"${g}"`).join(', ')}?` : ''}`, {
    hint: `The services are ${listNames(names)}.`,
  });
}

/**
 * When the document's shape is wrong, the checks above cannot run (they need the whole project), and
 * fixing one problem would only reveal the next. These need only the names as written: a reference
 * or dependency to a service the file does not have, reported with the shape's problems.
 */
export function checkNamesAsWritten(document: unknown, envTemplates: Map<string, Map<string, Template>>, problems: Problem[]): void {
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isMap(document) || !isMap(document.services)) return;
  const services = document.services;
  const names = Object.keys(services);
  for (const [service, env] of envTemplates) {
    const base: Path = service.startsWith('migrations/') ? ['migrations', Number(service.slice('migrations/'.length))] : ['services', service];
    for (const [key, template] of env) {
      for (const part of template) {
        if (typeof part === 'string') continue;
        const problem = referenceProblem(part, Object.hasOwn(services, part.service) ? describeWritten(services[part.service]) : undefined);
        if (problem) problems.push({ path: [...base, 'env', key], message: problem });
      }
    }
  }
  for (const [service, raw] of Object.entries(services)) {
    const declared = isMap(raw) ? raw.depends_on : undefined;
    const entries = Array.isArray(declared)
      ? declared.map((target, index) => ({ target, where: ['services', service, 'depends_on', index] as Path, at: 'value' as const }))
      : isMap(declared) ? Object.keys(declared).map((target) => ({ target, where: ['services', service, 'depends_on', target] as Path, at: 'key' as const })) : [];
    for (const { target, where, at } of entries) {
      if (typeof target === 'string' && target !== service && !Object.hasOwn(services, target)) problems.push({ path: where, at, message: unknownService(target, names) });
    }
  }
  if (!Array.isArray(document.migrations)) return;
  document.migrations.forEach((step: unknown, index) => {
    if (!isMap(step)) return;
    for (const field of ['service', 'database'] as const) {
      const target = step[field];
      if (typeof target === 'string' && !Object.hasOwn(services, target)) problems.push({ path: ['migrations', index, field], message: unknownService(target, names) });
    }
  });
}


const POSTGRES_KIND = 'a Postgres service';
export const describeKind = (s: Service | undefined): string =>
  s === undefined ? 'unknown' : s.kind === 'postgres' ? POSTGRES_KIND : s.kind === 'process' ? 'a host process' : 'a container service';
/** The same, of a service as written (its shape may be wrong). */
const describeWritten = (raw: unknown): string =>
  raw !== null && typeof raw === 'object' ? ('postgres' in raw ? POSTGRES_KIND : 'process' in raw ? 'a host process' : 'a container service') : 'a container service';

/**
 * What is wrong with a `${service.field}` reference, given what that service is ("a Postgres
 * service", "a container service"…; undefined: there is none of that name); undefined when nothing is.
 */
function referenceProblem(part: { service: string; field: string }, kind: string | undefined): string | undefined {
  const shown = `\${${part.service}.${part.field}}`;
  if (kind === undefined) return `${shown} refers to an unknown service "${part.service}"`;
  if (kind !== POSTGRES_KIND) return `${shown}: references are to Postgres services, and "${part.service}" is ${kind}`;
  if ((REF_FIELDS as readonly string[]).includes(part.field)) return undefined;
  const guess = suggest(part.field, REF_FIELDS);
  return `${shown}: unknown field "${part.field}" — ${guess ? `did you mean "${guess}"?` : `expected one of ${REF_FIELDS.join(', ')}`}`;
}

export function checkReferences(project: Project, config: ValidConfig, problems: Problem[]): void {
  const byName = servicesByName(project);
  const rawByName = configsByName(config);
  const check = (env: Record<string, Template>, written: Record<string, unknown>, base: Path) => {
    for (const [key, template] of Object.entries(env)) {
      const where = Object.hasOwn(written, key) ? [...base, 'env', key] : [...base, 'env_file'];
      for (const part of template) {
        if (typeof part === 'string') continue;
        const target = byName.get(part.service);
        const problem = referenceProblem(part, target && describeKind(target));
        if (problem) problems.push({ path: where, message: problem });
      }
    }
  };
  for (const service of project.services) {
    if (service.kind === 'postgres') continue;
    const raw = rawByName.get(service.name);
    check(service.env, raw && raw.kind !== 'postgres' ? (raw.config.env ?? {}) : {}, ['services', service.name]);
  }
  project.migrations.forEach((m, index) => {
    if (m.kind === 'process') check(m.env, config.top.migrations?.[index]?.env ?? {}, ['migrations', index]);
  });
}

