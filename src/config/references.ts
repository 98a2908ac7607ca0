import { findService, type PostgresService, type Project, type ServiceRef, type Template } from './project.js';

export interface ConnectionValues {
  url: string;
  host: string;
  port: string;
  user: string;
  password: string;
  database: string;
}

/** place 'network': host = service name, port 5432; place 'host': host 127.0.0.1 and hostPort. */
export function connectionValues(pg: PostgresService, place: 'network' | 'host', hostPort?: number): ConnectionValues {
  const host = place === 'network' ? pg.name : '127.0.0.1';
  const port = String(place === 'network' ? 5432 : (hostPort ?? pg.hostPort));
  const auth = `${encodeURIComponent(pg.user)}:${encodeURIComponent(pg.password)}`;
  return {
    url: `postgres://${auth}@${host}:${port}/${encodeURIComponent(pg.database)}`,
    host,
    port,
    user: pg.user,
    password: pg.password,
    database: pg.database,
  };
}

export function renderTemplate(t: Template, resolve: (ref: ServiceRef) => string): string {
  return t.map((part) => (typeof part === 'string' ? part : resolve(part))).join('');
}

/**
 * Renders all env of a service. For 'host', hostPorts gives each Postgres service's published port
 * (falling back to its configured hostPort). References were checked by the loader, so an unknown
 * one here is a bug.
 */
export function resolveEnv(project: Project, service: { env: Record<string, Template> }, place: 'network' | 'host', hostPorts?: Record<string, number>): Record<string, string> {
  const cache = new Map<string, ConnectionValues>();
  const resolve = (ref: ServiceRef): string => {
    let values = cache.get(ref.service);
    if (values === undefined) {
      const target = findService(project, ref.service);
      if (target?.kind !== 'postgres' || ref.field === 'image') throw new Error(`internal: \${${ref.service}.${ref.field}} does not name a Postgres connection value`);
      values = connectionValues(target, place, hostPorts?.[ref.service]);
      cache.set(ref.service, values);
    }
    return values[ref.field as Exclude<typeof ref.field, 'image'>];
  };
  return Object.fromEntries(Object.entries(service.env).map(([key, template]) => [key, renderTemplate(template, resolve)]));
}
