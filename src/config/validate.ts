import type * as z from 'zod/mini';
import { append, type Path, type Problem, describeValue } from './problems.js';
import {
  containerServiceSchema,
  dependencyOptions,
  NAME_PATTERN,
  postgresServiceSchema,
  processServiceSchema,
  scalarValue,
  topLevelSchema,
  type ContainerServiceConfig,
  type PostgresServiceConfig,
  type ProcessServiceConfig,
  type TopLevelConfig,
} from './schema.js';
import { suggest } from '../util/suggest.js';
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

const PROTO = '__proto__';
const scalar = scalarValue();
const dependency = dependencyOptions();

/**
 * zod leaves a "__proto__" key out of a record's output, unchecked (its guard against prototype
 * pollution). To devenv it is a name like any other (a shell accepts it as a variable), so it is
 * checked with the record's value schema and defined on the output as an own property.
 */
function keepProtoKey(input: unknown, output: unknown, valueSchema: z.ZodMiniType, path: Path, problems: Problem[]): void {
  if (!isMap(input) || !Object.hasOwn(input, PROTO) || output === null || typeof output !== 'object' || Array.isArray(output)) return;
  const result = check(valueSchema, input[PROTO], [...path, PROTO]);
  if (result.ok) Object.defineProperty(output, PROTO, { value: result.value, enumerable: true, writable: true, configurable: true });
  else append(problems, result.problems);
}

/** The records of a service whose keys the user names: env, build.args, depends_on. */
function keepServiceProtoKeys(raw: Record<string, unknown>, config: Record<string, unknown>, path: Path, problems: Problem[]): void {
  keepProtoKey(raw.env, config.env, scalar, [...path, 'env'], problems);
  keepProtoKey(raw.depends_on, config.depends_on, dependency, [...path, 'depends_on'], problems);
  if (isMap(raw.build) && isMap(config.build)) keepProtoKey(raw.build.args, config.build.args, scalar, [...path, 'build', 'args'], problems);
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
    // A misspelt kind ("proces:", "imgae:") is the likely reason: name it.
    const kindKeys = ['postgres', 'image', 'build', 'process'];
    const typo = Object.keys(raw).map((key) => [key, suggest(key, kindKeys)] as const).find(([, guess]) => guess !== undefined);
    problems.push({
      path: typo ? [...path, typo[0]] : path,
      at: 'key',
      message: typo
        ? `unknown field "${typo[0]}" — did you mean "${typo[1]}"? A service needs "postgres", "image"/"build" or "process"`
        : 'a service needs "postgres" (a Postgres database), "image"/"build" (a container) or "process" (a command on the host); it has none',
    });
    return undefined;
  }
  const map = raw;
  const checked = <T extends Record<string, unknown>>(result: { ok: true; value: T } | { ok: false; problems: Problem[] }): T | undefined => {
    if (!result.ok) {
      append(problems, result.problems);
      return undefined;
    }
    keepServiceProtoKeys(map, result.value, path, problems);
    return result.value;
  };
  if (isProcess) {
    const config = checked(check(processServiceSchema, raw, path));
    return config && { name, kind: 'process', config };
  }
  if (isPostgres) {
    const config = checked(check(postgresServiceSchema, raw, path));
    return config && { name, kind: 'postgres', config };
  }
  const config = checked(check(containerServiceSchema, raw, path));
  return config && { name, kind: 'container', config };
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
  if (top.ok && Array.isArray(data.migrations)) {
    data.migrations.forEach((step: unknown, index) => {
      if (isMap(step)) keepProtoKey(step.env, top.value.migrations?.[index]?.env, scalar, ['migrations', index, 'env'], problems);
    });
  }
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
