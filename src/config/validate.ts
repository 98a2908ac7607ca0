import { type Problem, describeValue } from './problems.js';
import {
  containerServiceSchema,
  NAME_PATTERN,
  postgresServiceSchema,
  topLevelSchema,
  type ContainerServiceConfig,
  type PostgresServiceConfig,
  type TopLevelConfig,
} from './schema.js';
import { check } from './zod-issues.js';

export type ServiceConfig =
  | { name: string; kind: 'postgres'; config: PostgresServiceConfig }
  | { name: string; kind: 'container'; config: ContainerServiceConfig };

export interface ValidConfig {
  top: TopLevelConfig;
  /** In file order. */
  services: ServiceConfig[];
}

/** A plain mapping (not a list, nor a YAML !!set, !!omap or !!binary value). */
function isMap(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function validateService(name: string, raw: unknown, problems: Problem[]): ServiceConfig | undefined {
  const path = ['services', name];
  if (!NAME_PATTERN.test(name)) {
    problems.push({
      path,
      at: 'key',
      message: `expected a service name of lowercase letters, digits, "_" and "-" that starts with a letter or digit, got ${JSON.stringify(name)}`,
    });
  }
  if (!isMap(raw)) {
    problems.push({ path, message: `expected a map with postgres, image or build, got ${describeValue(raw)}` });
    return undefined;
  }
  const isPostgres = 'postgres' in raw;
  const containerKey = ['image', 'build'].find((key) => key in raw);
  if (isPostgres && containerKey !== undefined) {
    problems.push({
      path: [...path, containerKey],
      at: 'key',
      message: `a Postgres service cannot also have "${containerKey}"`,
      hint: 'for another Postgres image use postgres.image; for a separate container, declare a second service',
    });
    return undefined;
  }
  if (!isPostgres && containerKey === undefined) {
    problems.push({
      path,
      at: 'key',
      message: 'a service needs "postgres" (a Postgres database) or "image"/"build" (a container); it has neither',
    });
    return undefined;
  }
  if (isPostgres) {
    const result = check(postgresServiceSchema, raw, path);
    if (result.ok) return { name, kind: 'postgres', config: result.value };
    problems.push(...result.problems);
    return undefined;
  }
  const result = check(containerServiceSchema, raw, path);
  if (result.ok) return { name, kind: 'container', config: result.value };
  problems.push(...result.problems);
  return undefined;
}

/** Checks the shape of the interpolated document. Problems are collected across all services. */
export function validateConfig(data: unknown): { config?: ValidConfig; problems: Problem[] } {
  if (!isMap(data)) {
    const got = data === undefined || data === null ? 'an empty file' : describeValue(data);
    return { problems: [{ path: [], message: `expected a map with "services" at the top of the file, got ${got}`, line: 1, col: 1 }] };
  }
  const top = check(topLevelSchema, data, []);
  const problems: Problem[] = top.ok ? [] : [...top.problems];
  const services: ServiceConfig[] = [];
  if (isMap(data.services)) {
    const entries = Object.entries(data.services);
    if (entries.length === 0) problems.push({ path: ['services'], message: 'expected at least one service, got none' });
    for (const [name, raw] of entries) {
      const service = validateService(name, raw, problems);
      if (service) services.push(service);
    }
  }
  if (!top.ok || problems.length > 0) return { problems };
  return { config: { top: top.value, services }, problems };
}
