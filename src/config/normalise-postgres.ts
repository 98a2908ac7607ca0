import path from 'node:path';
import { parseDuration } from './durations.js';
import { normaliseAliases, normaliseDependsOn, normaliseRestart, normaliseStopTimeout } from './normalise-common.js';
import { parseHostPort } from './ports.js';
import { mismatch, type Problem } from './problems.js';
import type { PostgresService } from './project.js';
import type { PostgresServiceConfig } from './schema.js';

export const DEFAULT_POSTGRES_VERSION = '15';
export const DEFAULT_READY_TIMEOUT_MS = 60_000;

export interface PostgresContext {
  project: string;
  dir: string;
  /** postgres.password as written, when it uses variables. */
  passwordSource?: string | undefined;
}

/** A Postgres service with every default filled. An empty password is left empty here: secrets.ts fills it. */
export function normalisePostgres(name: string, config: PostgresServiceConfig, context: PostgresContext, problems: Problem[]): PostgresService {
  const base = ['services', name];
  const pg = config.postgres ?? {};
  const version = pg.version === undefined ? DEFAULT_POSTGRES_VERSION : String(pg.version);
  let hostPort = 0;
  if (pg.port !== undefined) {
    const parsed = parseHostPort(pg.port);
    if (parsed === undefined) problems.push({ path: [...base, 'postgres', 'port'], message: mismatch('a port number 0-65535', pg.port) });
    else hostPort = parsed;
  }
  let readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS;
  if (config.health?.timeout !== undefined) {
    const parsed = parseDuration(config.health.timeout);
    if ('error' in parsed) problems.push({ path: [...base, 'health', 'timeout'], message: parsed.error });
    else readyTimeoutMs = parsed.ms;
  }
  const init = pg.init === undefined ? [] : typeof pg.init === 'string' ? [pg.init] : pg.init;
  const password = pg.password === undefined ? '' : String(pg.password);
  const command = config.command === undefined ? undefined : typeof config.command === 'string' ? ['sh', '-c', config.command] : config.command;
  return {
    kind: 'postgres',
    name,
    dependsOn: normaliseDependsOn(config, base, problems),
    aliases: normaliseAliases(config),
    restart: normaliseRestart(config, base, problems),
    stopTimeoutMs: normaliseStopTimeout(config, base, problems),
    ...(command ? { command } : {}),
    image: pg.image ?? `postgres:${version}`,
    version,
    database: pg.database ?? context.project,
    user: pg.user ?? 'postgres',
    password,
    passwordGenerated: password === '',
    ...(context.passwordSource === undefined ? {} : { passwordSource: context.passwordSource }),
    hostPort,
    init: init.map((file) => path.resolve(context.dir, file)),
    readyTimeoutMs,
  };
}
