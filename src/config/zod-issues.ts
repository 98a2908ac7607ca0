/** Turns zod issues into problems a person can act on: "expected …, got …" and unknown-field suggestions. */
import * as z from 'zod/mini';
import { suggest } from '../util/suggest.js';
import { append, describeValue, type Path, type Problem } from './problems.js';

type Issue = z.core.$ZodIssue;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  array: 'a list',
};

/** Fallback messages for schemas that carry none of their own. */
export function fallbackMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return issue.origin === 'array' ? `expected at least ${issue.minimum} entries` : `expected at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' ? `expected at most ${issue.maximum} entries` : `expected at most ${issue.maximum}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return `expected a value matching ${issue.pattern ?? issue.format}`;
    default:
      return 'expected a valid value';
  }
}

/** Compose's names for what devenv.yml says otherwise: the usual first mistakes of a Compose user. */
const COMPOSE_FIELDS: Record<string, string> = {
  environment: 'devenv calls it "env" (a map of KEY: value)',
  healthcheck: 'devenv calls it "health": { http: /path }, { tcp: port } or { command: [...] }, with interval and timeout',
  container_name: 'devenv names containers <project>-<service>; "aliases" gives a service more names on the project network',
  links: 'every service reaches every other by its name; "aliases" adds names, "depends_on" orders the start',
  networks: 'devenv puts every service on one project network; "aliases" adds names on it',
  expose: 'services reach each other\'s ports on the project network; "ports" publishes one on 127.0.0.1',
  deploy: 'devenv runs one container per service on this machine; `devenv export compose --swarm` writes deploy sections',
};

/** The same for a Postgres service, whose settings live under `postgres:`. */
const POSTGRES_FIELDS: Record<string, string> = {
  ports: 'a Postgres service publishes one port: set postgres.port (0 picks any free one)',
  port: 'set postgres.port (0 picks any free one)',
  env: 'a Postgres service takes postgres.user, postgres.password and postgres.database',
  environment: 'a Postgres service takes postgres.user, postgres.password and postgres.database',
  volumes: 'a Postgres service keeps its data in the volume <project>-<service>-data; postgres.init runs files on a fresh volume',
  user: 'postgres.user is the database user',
};

export function unknownFieldMessage(key: string, known: readonly string[]): string {
  // Own keys only: "constructor" is an unknown field, not Object.prototype.constructor.
  const own = (fields: Record<string, string>): string | undefined => (Object.hasOwn(fields, key) ? fields[key] : undefined);
  const habit = (known.includes('postgres') ? own(POSTGRES_FIELDS) : undefined) ?? (known.includes('depends_on') ? own(COMPOSE_FIELDS) : undefined);
  if (habit !== undefined) return `unknown field "${key}": ${habit}`;
  const guess = suggest(key, known);
  if (guess !== undefined) return `unknown field "${key}" — did you mean "${guess}"?`;
  return known.length > 0 ? `unknown field "${key}"; expected one of ${known.join(', ')}` : `unknown field "${key}"`;
}

/** The keys an object schema accepts at `path` (for "did you mean" suggestions). */
function knownKeys(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  const rest = [...path];
  for (;;) {
    if (current === undefined) return [];
    const def = current._zod.def as z.core.$ZodTypeDef & {
      innerType?: z.core.$ZodType; options?: z.core.$ZodType[]; shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType; valueType?: z.core.$ZodType;
    };
    if (def.type === 'optional' || def.type === 'nullable') current = def.innerType;
    else if (def.type === 'union') current = def.options!.find((o) => knownKeys(o, []).length > 0);
    else if (rest.length === 0) return def.type === 'object' ? Object.keys(def.shape!) : [];
    else if (def.type === 'object') {
      const key = String(rest.shift());
      current = Object.hasOwn(def.shape!, key) ? def.shape![key] : undefined;
    }
    else if (def.type === 'array') (rest.shift(), (current = def.element));
    else if (def.type === 'record') (rest.shift(), (current = def.valueType));
    else return [];
  }
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** A union whose value is a map usually means the map branch was meant: report that branch's issues. */
function unionBranch(issue: Extract<Issue, { code: 'invalid_union' }>, value: unknown): Issue[] | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const candidates = issue.errors.filter((errors) => !errors.some((e) => e.code === 'invalid_type' && e.path.length === 0));
  return candidates.length === 1 ? candidates[0] : undefined;
}

export function issuesToProblems(issues: readonly Issue[], data: unknown, schema: z.core.$ZodType, base: Path, prefix: PropertyKey[] = []): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const local = [...prefix, ...issue.path];
    const path = [...base, ...local.map((s) => (typeof s === 'number' ? s : String(s)))];
    const value = valueAt(data, local);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, local);
      for (const key of issue.keys) problems.push({ path: [...path, key], at: 'key', message: unknownFieldMessage(key, known) });
      continue;
    }
    if (issue.code === 'invalid_union') {
      const branch = unionBranch(issue, value);
      if (branch !== undefined) {
        append(problems, issuesToProblems(branch, data, schema, base, local));
        continue;
      }
    }
    const message = issue.message.startsWith('expected ') ? `${issue.message}, got ${describeValue(value)}` : issue.message;
    problems.push({ path, message });
  }
  return problems;
}

/** Validates `data` with `schema`; on failure returns problems located under `base`. */
export function check<S extends z.ZodMiniType>(schema: S, data: unknown, base: Path): { ok: true; value: z.infer<S> } | { ok: false; problems: Problem[] } {
  const result = z.safeParse(schema, data, { error: fallbackMessage });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: issuesToProblems(result.error.issues, data, schema, base) };
}
