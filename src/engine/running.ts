/** Finding what runs now: a service's container, a database's host port and connection. */
import type { PostgresService } from '../config/project.js';
import { connectionValues } from '../config/references.js';
import { DevenvError } from '../errors.js';
import type { PgConnection } from '../postgres/connection.js';
import { LABELS, projectLabels } from './labels.js';
import { lastLogLines } from './last-logs.js';
import type { HandlerContext } from './step-handlers.js';
import { publishedPostgresPort } from './postgres-port.js';

/** The container of a service: the one this run started, else the running one observed again. */
export async function reusedOr(ctx: HandlerContext, service: string): Promise<string> {
  const known = ctx.state.containers.get(service);
  if (known) return known;
  const [found] = await ctx.runtime.listContainers({ ...projectLabels(ctx.project!.name), [LABELS.service]: service, [LABELS.role]: 'service' });
  if (!found) throw new DevenvError('INTERNAL', `container of service "${service}" disappeared`);
  ctx.state.containers.set(service, found.id);
  return found.id;
}

export async function hostConnection(ctx: HandlerContext, db: PostgresService, containerId: string): Promise<PgConnection> {
  const details = await ctx.runtime.inspectContainer(containerId);
  const port = publishedPostgresPort(details.ports);
  if (!port) {
    // Only a container that is not running has no port: it exited as soon as it started.
    throw new DevenvError('DATABASE_NOT_READY', `${db.name} is ${details.state} (exit code ${details.exitCode}) before accepting a connection`, {
      details: await lastLogLines(ctx.runtime, containerId, 20),
      hint: `Its last log lines are above. Check \`postgres\` of ${db.name} in devenv.yml (image, init files).`,
    });
  }
  const v = connectionValues(db, 'host', port);
  return { host: v.host, port, user: v.user, password: v.password, database: v.database };
}

/** Each database's host port, read from its running container. */
export async function databasePorts(ctx: HandlerContext): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  for (const db of ctx.project!.services.filter((s): s is PostgresService => s.kind === 'postgres')) {
    const id = await reusedOr(ctx, db.name).catch(() => undefined);
    const details = id ? await ctx.runtime.inspectContainer(id).catch(() => undefined) : undefined;
    const port = details && publishedPostgresPort(details.ports);
    if (port) ports[db.name] = port;
  }
  return ports;
}

/** The host connection to a database, from its running container. */
export async function databaseConnection(ctx: HandlerContext, name: string) {
  const db = ctx.project!.services.find((s): s is PostgresService => s.kind === 'postgres' && s.name === name);
  if (!db) throw new DevenvError('INTERNAL', `no Postgres service "${name}"`);
  return hostConnection(ctx, db, await reusedOr(ctx, name));
}
