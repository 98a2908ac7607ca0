/**
 * The environment a tool on the host needs (`devenv env`, `devenv run -- CMD`): every env value of a
 * service that refers to a database, resolved for the host (127.0.0.1 and the published port), and
 * DATABASE_URL and PG* when there is one database.
 */
import { referredServices, type PostgresService, type Project, type Template } from '../config/project.js';
import { connectionValues, resolveEnv, type ConnectionValues } from '../config/references.js';
import { DevenvError } from '../errors.js';
import type { ContainerSummary } from '../runtime/runtime.js';
import { LABELS } from './labels.js';
import { publishedPostgresPort } from './postgres-port.js';

/** Each database's host port, from its running container; a database not running is an error. */
export function runningDatabasePorts(project: Project, containers: ContainerSummary[]): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const db of project.services.filter((s) => s.kind === 'postgres')) {
    const c = containers.find((x) => x.labels[LABELS.role] === 'service' && x.labels[LABELS.service] === db.name && x.state === 'running');
    const port = c && publishedPostgresPort(c.ports);
    if (!port) throw new DevenvError('USAGE', `${db.name} is not running, so it has no host port yet`, { hint: 'Run `devenv up -d` first.' });
    ports[db.name] = port;
  }
  return ports;
}

export function hostEnvironment(project: Project, hostPorts: Record<string, number>): Record<string, string> {
  // No prototype: an env key "__proto__" or "constructor" is a key like any other.
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const s of project.services) {
    if (s.kind === 'postgres') continue;
    const withRefs = Object.entries(s.env).filter(([, t]) => t.some((part) => typeof part !== 'string'));
    if (withRefs.length === 0) continue;
    const resolved = resolveEnv(project, s, 'host', hostPorts);
    for (const [key] of withRefs) values[key] ??= resolved[key]!;
  }
  const databases = project.services.filter((s): s is PostgresService => s.kind === 'postgres');
  const [only] = databases;
  if (only && databases.length === 1) {
    const v = connectionValues(only, 'host', hostPorts[only.name]);
    values.DATABASE_URL ??= v.url;
    Object.assign(values, pgVariables(v));
  }
  return values;
}

/**
 * PG* for a host process or step whose env refers to one database: libpq and node-postgres read them
 * when the app's own settings leave something out (a knexfile without the port connects to 5432, and
 * the database is published elsewhere). Beneath the process's env, which wins.
 */
export function hostDatabaseDefaults(project: Project, env: Record<string, Template>, hostPorts: Record<string, number>): Record<string, string> {
  const referred = referredServices(env);
  const databases = project.services.filter((s): s is PostgresService => s.kind === 'postgres' && referred.includes(s.name));
  const [db] = databases;
  if (!db || databases.length !== 1 || hostPorts[db.name] === undefined) return {};
  return pgVariables(connectionValues(db, 'host', hostPorts[db.name]));
}

/** libpq's variables for a database's connection values. */
function pgVariables(v: ConnectionValues): Record<string, string> {
  return { PGHOST: v.host, PGPORT: v.port, PGUSER: v.user, PGPASSWORD: v.password, PGDATABASE: v.database };
}
