import { type Problem, describeValue } from './problems.js';
import {
  containerServiceSchema,
  NAME_PATTERN,
  postgresServiceSchema,
  processServiceSchema,
  topLevelSchema,
  type ContainerServiceConfig,
  type PostgresServiceConfig,
  type ProcessServiceConfig,
  type TopLevelConfig,
} from './schema.js';
import { check } from './zod-issues.js';

export type ServiceConfig =
  | { name: string; kind: 'postgres'; config: PostgresServiceConfig }
  | { name: string; kind: 'container'; config: ContainerServiceConfig }
  | { name: string; kind: 'process'; config: ProcessServiceConfig };

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

/** Compose's extension fields (`x-common: &common …`, anchors to merge from): accepted and ignored. */
function withoutExtensions(map: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).filter(([key]) => !key.startsWith('x-')));
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
    problems.push({ path, message: `expected a map with postgres, image, build or process, got ${describeValue(raw)}` });
    return undefined;
  }
  raw = withoutExtensions(raw);
  if (!isMap(raw)) return undefined;
  const isPostgres = 'postgres' in raw;
  const isProcess = 'process' in raw;
  const containerKey = ['image', 'build'].find((key) => key in raw);
  const kinds = [isPostgres && 'postgres', containerKey, isProcess && 'process'].filter((k): k is string => typeof k === 'string');
  if (kinds.length > 1) {
    const [first, second] = kinds;
    problems.push({
      path: [...path, second!],
      at: 'key',
      message: `a service is one of a Postgres database (postgres), a container (image or build) or a host process (process); this one has both "${first}" and "${second}"`,
      hint: first === 'postgres' ? 'for another Postgres image use postgres.image; for a separate container, declare a second service' : 'declare a second service for the other one',
    });
    return undefined;
  }
  if (kinds.length === 0) {
    problems.push({
      path,
      at: 'key',
      message: 'a service needs "postgres" (a Postgres database), "image"/"build" (a container) or "process" (a command on the host); it has none',
    });
    return undefined;
  }
  if (isProcess) {
    const result = check(processServiceSchema, raw, path);
    if (result.ok) return { name, kind: 'process', config: result.value };
    problems.push(...result.problems);
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
export function validateConfig(document: unknown): { config?: ValidConfig; problems: Problem[] } {
  if (!isMap(document)) {
    const got = document === undefined || document === null ? 'an empty file' : describeValue(document);
    return { problems: [{ path: [], message: `expected a map with "services" at the top of the file, got ${got}`, line: 1, col: 1 }] };
  }
  const data = withoutExtensions(document);
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
