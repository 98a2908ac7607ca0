/** Fields Postgres and container services share: depends_on, aliases, restart, stop_timeout. */
import { parseDuration } from './durations.js';
import type { Path, Problem } from './problems.js';
import type { Dependency, DependencyCondition, RestartSpec } from './project.js';
import type { PostgresServiceConfig } from './schema.js';

type Shared = Pick<PostgresServiceConfig, 'depends_on' | 'aliases' | 'restart' | 'max_restarts' | 'stop_timeout'>;

const CONDITION: Record<string, DependencyCondition> = {
  service_started: 'started',
  service_healthy: 'healthy',
  service_completed_successfully: 'completed',
};

export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * A list names services that are ready (healthy, or completed for a one-shot) first; the map form
 * takes Compose's conditions, service_started being Compose's default there.
 */
export function normaliseDependsOn(config: Shared, base: Path, problems: Problem[]): Dependency[] {
  const value = config.depends_on;
  if (value === undefined) return [];
  if (Array.isArray(value)) return [...new Set(value)].map((service) => ({ service, condition: 'healthy' }));
  return Object.entries(value).map(([service, options]) => {
    if (options?.required === false) {
      problems.push({ path: [...base, 'depends_on', service, 'required'], message: 'devenv starts every dependency; required: false is not supported', hint: 'remove the dependency, or required: false' });
    }
    return { service, condition: CONDITION[options?.condition ?? 'service_started'] ?? 'started' };
  });
}

export function normaliseRestart(config: Shared, base: Path, problems: Problem[]): RestartSpec {
  const policy = config.restart ?? 'no';
  if (config.max_restarts !== undefined && policy !== 'on-failure') {
    problems.push({ path: [...base, 'max_restarts'], at: 'key', message: `max_restarts applies only with restart: on-failure (restart is ${policy})` });
  }
  return { policy, maxRestarts: Number(config.max_restarts ?? 0) };
}

export function normaliseStopTimeout(config: Shared, base: Path, problems: Problem[]): number {
  if (config.stop_timeout === undefined) return DEFAULT_STOP_TIMEOUT_MS;
  const parsed = parseDuration(config.stop_timeout);
  if ('ms' in parsed) return parsed.ms;
  problems.push({ path: [...base, 'stop_timeout'], message: parsed.error });
  return DEFAULT_STOP_TIMEOUT_MS;
}

export function normaliseAliases(config: Shared): string[] {
  return [...new Set(config.aliases ?? [])];
}
