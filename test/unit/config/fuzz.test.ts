/**
 * Mutates the repository's own devenv.yml files (the root one and every example) a few hundred
 * times a run and loads each result from a copy of its project, so relative paths resolve (or not)
 * as they would. Whatever the input, loading must either succeed or throw one CONFIG_INVALID
 * DevenvError whose every problem line is placed ("file:line:col …"), and no error may repeat a
 * line of an env file. A failure prints the seed: FUZZ_SEED=<seed> repeats the run, FUZZ_CASES=<n>
 * makes it longer.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load-project.js';
import type { Project } from '../../../src/config/project.js';
import { DevenvError } from '../../../src/errors.js';
import { repoRoot } from '../../helpers/paths.js';
import { copyProject, tempDir } from '../../helpers/temp.js';

const SEED = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);
const CASES = Number(process.env.FUZZ_CASES ?? 300);
/** Put in env-file lines; no error may show it. */
const MARKER = 'S3CRET-MARKER';
const LOCATED = /^\S+?:\d+:\d+ /;

type Random = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: Random, n: number): number => Math.floor(rng() * n);
const pick = <T>(rng: Random, items: readonly T[]): T => items[int(rng, items.length)] as T;

const KEYS = [
  'image', 'build', 'context', 'dockerfile', 'target', 'args', 'command', 'port', 'ports', 'env', 'env_file', 'health', 'http', 'tcp',
  'interval', 'timeout', 'oneshot', 'depends_on', 'aliases', 'restart', 'max_restarts', 'volumes', 'stop_timeout', 'postgres', 'version',
  'database', 'user', 'password', 'init', 'process', 'cwd', 'services', 'migrations', 'name', 'run', 'service', 'sql', 'when', 'x-common',
  '<<', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '""', '"a b"', '? [k]', '1', 'null', 'environment',
  'healthcheck', 'db', 'app', 'cache', 'web', 'DATABASE_URL', 'PORT',
];

const VALUES = [
  '', '~', 'null', '[]', '{}', '0', '-1', '65536', '1e400', '.inf', '.nan', 'true', 'no', '"x"', "'y'", '!!binary aGVsbG8=', '!!set { a }',
  '!!omap [ a: 1 ]', '!!str 3', '!!int x', '!custom x', '*nope', '"\\u0000"', '"\\uD800"', '|\n  block', '>-\n  folded', '[a, {b: c}]',
  '{a: [1, 2]}', '"${X}"', '${', '"${db.url}"', '"${app.image}"', '"${db.nope}"', '"$${LIT}"', '"${A:-${B:?no B}}"', '"${__proto__}"',
  '"${constructor}"', '"${toString:-t}"', '"${!}"', '"${a b}"', './missing', '/', '..', '"./x:/y"', '"/dev/null:/x"', '"./:/x:ro"',
  '"~/.npmrc:/root/.npmrc:ro"', '"../Dockerfile"', '"/etc/passwd"', '2m', '-5s', '99999999999999999999', '0x1F', '"8080:80/udp"',
  '"1.2.3.4:80:80"', 'service_healthy', '[db, db]', '[app, web, cache]', '{db: {condition: service_completed_successfully}}',
  '{db: {required: false}}', '{app: null}', 'always', 'on-failure', 'fresh', '[node, x.js]', '{http: /health, port: 1}', '{tcp: 0}',
  '{command: []}', '{ __proto__: x, constructor: y }', '[{name: m, run: x, service: app}]', '[{name: m, sql: ., database: db}]',
  '{context: ., dockerfile: ../Dockerfile}', '{context: ., dockerfile: Dockerfile, args: {__proto__: 1}}', '&anc { a: 1 }', '*anc',
  'extra.env', '[extra.env, .env, missing.env]', '"${SHELL_VAR:?set SHELL_VAR}"', '"\t"', '"\\r\\n"', '2147483648', '-0', '"0:80"',
];

const ENV_FILE_LINES = [
  'KEY=value', '__proto__=1', 'constructor=c', 'prototype=p', 'export A="q"', "B='lit'", 'C=${X:-d}', 'D=${', 'E=${!x}', 'F=${db.url}',
  'G=${db.nope}', 'H=$${x}', `${MARKER} line without equals`, `=${MARKER}`, `bad key=${MARKER}`, `I=${MARKER}`, `-----BEGIN ${MARKER}-----`,
  `root:${MARKER}:19000:0:99999:7:::`, `${MARKER}+/==`, '# comment', '', '   ', 'J="unterminated', 'K=a # comment', '\u0000=\u0000',
];

/** Lines that parse, so half the env files let the load go on past them. */
const GOOD_ENV_FILE_LINES = ['KEY=value', '__proto__=1', 'constructor=c', 'prototype=p', 'export A="q"', "B='lit'", 'C=${X:-d}', 'F=${db.url}',
  'H=$${x}', `I=${MARKER}`, '# comment', '', 'K=a # comment'];
const GOOD_DOTENV_LINES = ['APP_PORT=0', 'APP_PORT=3005', 'WEB_COMMAND=', '__proto__=1', 'constructor=2', 'A=${B:-${C}}', 'export TAG=1', '# x'];

const DOTENV_LINES = ['APP_PORT=abc', 'APP_PORT=', 'APP_PORT=0', 'WEB_PORT=99999', 'WEB_COMMAND=', '__proto__=1', 'constructor=2',
  `${MARKER} not a pair`, `=${MARKER}`, 'X=${', 'A=${B:-${C}}', 'export TAG=1'];

/** Lines of an env file from a pool, with some random text among them. */
function randomLines(rng: Random, pool: readonly string[], count: number): string {
  const noise = pool === GOOD_ENV_FILE_LINES || pool === GOOD_DOTENV_LINES ? 0 : 0.05;
  return Array.from({ length: count }, () => (rng() < noise ? randomText(rng, 1 + int(rng, 80)) : pick(rng, pool))).join(rng() < 0.1 ? '\r\n' : '\n');
}

function randomText(rng: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) {
    const r = rng();
    out += r < 0.7 ? String.fromCharCode(32 + int(rng, 95)) : r < 0.8 ? pick(rng, ['\n', '\t', '\r', ' ', '\u0000', '\uFEFF']) : String.fromCharCode(int(rng, 0x3000));
  }
  return out;
}

function deepValue(rng: Random): string {
  const n = rng() < 0.8 ? 1 + int(rng, 60) : 1 + int(rng, 5000);
  const style = int(rng, 4);
  if (style === 0) return `${'['.repeat(n)}${']'.repeat(n)}`;
  if (style === 1) return `${'{a: '.repeat(n)}1${'}'.repeat(n)}`;
  if (style === 2) return `${'['.repeat(n)}`;
  return `\n${Array.from({ length: Math.min(n, 200) }, (_, i) => `${'  '.repeat(i + 3)}k${i}:`).join('\n')}`;
}

function interpolation(rng: Random): string {
  const parts = ['${', '}', '$$', '${X', ':-', ':?', ':+', '-', 'db.url', 'app.image', '__proto__', 'constructor', '$', 'A', '${A:-', '"'];
  const n = 1 + int(rng, 30);
  return `"${Array.from({ length: n }, () => pick(rng, parts)).join('').replace(/"/g, '')}"`;
}

interface Case {
  yaml: string;
  dotenv?: string;
  envFile?: string;
  steps: string[];
}

type Mutation = (lines: string[], rng: Random, c: Case) => void;

const VALUE_LINE = /^(\s*(?:- )?[^:#]+:)(?:\s+(.*))?$/;
const at = (lines: string[], rng: Random): number => int(rng, Math.max(lines.length, 1));
const indentOf = (line: string): string => /^\s*/.exec(line)?.[0] ?? '';

function setValue(lines: string[], rng: Random, value: string): void {
  const candidates = lines.map((line, i) => (VALUE_LINE.test(line) ? i : -1)).filter((i) => i >= 0);
  if (candidates.length === 0) return;
  const i = pick(rng, candidates);
  const match = VALUE_LINE.exec(lines[i] ?? '');
  lines[i] = `${match?.[1] ?? ''} ${value}`;
}

const MUTATIONS: Record<string, Mutation> = {
  flipByte: (lines, rng) => {
    const i = at(lines, rng);
    const line = lines[i] ?? '';
    const j = int(rng, line.length + 1);
    lines[i] = `${line.slice(0, j)}${randomText(rng, 1)}${line.slice(j + 1)}`;
  },
  deleteLine: (lines, rng) => void lines.splice(at(lines, rng), 1),
  duplicateLine: (lines, rng) => {
    const i = at(lines, rng);
    lines.splice(i, 0, lines[i] ?? '');
  },
  swapLines: (lines, rng) => {
    const i = at(lines, rng);
    const j = at(lines, rng);
    [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
  },
  reindent: (lines, rng) => {
    const i = at(lines, rng);
    lines[i] = rng() < 0.5 ? ` ${lines[i] ?? ''}` : (lines[i] ?? '').replace(/^ {1,2}/, '');
  },
  otherValue: (lines, rng) => setValue(lines, rng, pick(rng, VALUES)),
  insertKey: (lines, rng) => {
    const i = at(lines, rng);
    const indent = indentOf(lines[i] ?? '');
    lines.splice(i, 0, `${indent}${pick(rng, KEYS)}: ${pick(rng, VALUES)}`);
  },
  deepNesting: (lines, rng) => setValue(lines, rng, deepValue(rng)),
  hugeString: (lines, rng) => setValue(lines, rng, `"${pick(rng, ['x', '$', '${', 'é', '\\u0041'])}`.repeat(1 + int(rng, 50_000)).concat('"')),
  hugeKey: (lines, rng) => lines.splice(at(lines, rng), 0, `  ${'k'.repeat(1 + int(rng, 100_000))}: 1`),
  // An explicit key ("? key") has no length limit in YAML, an implicit one has 1024 characters.
  longName: (lines, rng) => {
    const i = at(lines, rng);
    const indent = indentOf(lines[i] ?? '');
    const name = pick(rng, ['a', 'b', 'db', 'app-']).repeat(1 + int(rng, 20_000));
    if (rng() < 0.5) lines.splice(i, 0, `${indent}? ${name}`, `${indent}: ${pick(rng, VALUES)}`);
    else setValue(lines, rng, `[${name}, ${pick(rng, ['a', 'b', 'db', 'app-']).repeat(1 + int(rng, 20_000))}]`);
  },
  interpolate: (lines, rng) => setValue(lines, rng, interpolation(rng)),
  anchorAlias: (lines, rng) => {
    const i = at(lines, rng);
    const match = VALUE_LINE.exec(lines[i] ?? '');
    if (match?.[2]) lines[i] = `${match[1]} &anc ${match[2]}`;
    setValue(lines, rng, pick(rng, ['*anc', '[*anc, *anc]', '{ <<: *anc }', '{ a: *anc }']));
  },
  envFile: (lines, rng, c) => {
    const services = lines.map((line, i) => (/^ {2}[a-z]+:\s*$/.test(line) ? i : -1)).filter((i) => i >= 0);
    if (services.length > 0) lines.splice(pick(rng, services) + 1, 0, `    env_file: ${pick(rng, ['extra.env', '[extra.env, extra.env]', './extra.env'])}`);
    c.envFile = randomLines(rng, rng() < 0.5 ? GOOD_ENV_FILE_LINES : ENV_FILE_LINES, 1 + int(rng, 12));
  },
  dotenv: (_lines, rng, c) => {
    c.dotenv = randomLines(rng, rng() < 0.5 ? GOOD_DOTENV_LINES : DOTENV_LINES, 1 + int(rng, 6));
  },
  truncate: (lines, rng) => {
    const text = lines.join('\n');
    lines.splice(0, lines.length, ...text.slice(0, int(rng, text.length + 1)).split('\n'));
  },
  oddBytes: (lines, rng) => {
    const i = at(lines, rng);
    lines[i] = `${pick(rng, ['\t', '\uFEFF', '\u0000', '\r', '%YAML 1.1\n---\n', '---\n', '...\n', '? ', '- ', '&x ', '!!map '])}${lines[i] ?? ''}`;
  },
};

function makeCase(base: string, rng: Random): Case {
  const lines = base.split('\n');
  const c: Case = { yaml: '', steps: [] };
  const names = Object.keys(MUTATIONS);
  const count = rng() < 0.4 ? 1 : 2 + int(rng, 3);
  for (let i = 0; i < count; i += 1) {
    const name = pick(rng, names);
    c.steps.push(name);
    MUTATIONS[name]?.(lines, rng, c);
  }
  c.yaml = lines.join('\n');
  return c;
}

/** Text that shows a JavaScript value leaked into a message (Object.prototype.constructor, a map). */
const LEAKED = ['[native code]', '[object Object]', '${undefined', 'function Object'];

/** What is wrong with a loaded project: it must be plain data, env values strings and references. */
function projectComplaint(project: Project): string | undefined {
  try {
    JSON.stringify(project);
  } catch (error) {
    return `the project is not plain data: ${(error as Error).message}`;
  }
  for (const service of project.services) {
    if (service.kind === 'postgres') continue;
    for (const [key, template] of Object.entries(service.env)) {
      const bad = template.find((part) => typeof part !== 'string' && (typeof part !== 'object' || typeof part.service !== 'string'));
      if (!Array.isArray(template) || bad !== undefined) return `env ${key} of ${service.name} holds ${String(bad)}`;
    }
  }
  return undefined;
}

/** What is wrong with the outcome of loading a case; undefined when it is fine. */
function complaint(outcome: unknown): string | undefined {
  if (!(outcome instanceof Error)) return projectComplaint(outcome as Project);
  if (!(outcome instanceof DevenvError)) return `threw ${outcome.name}: ${outcome.message}`;
  if (outcome.code !== 'CONFIG_INVALID') return `threw ${outcome.code}: ${outcome.message}`;
  const shown = [outcome.message, ...outcome.details, outcome.hint ?? ''].join('\n');
  if (shown.includes(MARKER)) return `repeated a line of an env file: ${outcome.message} ${outcome.details.join(' | ')}`;
  const leaked = LEAKED.find((text) => shown.includes(text));
  if (leaked !== undefined) return `a JavaScript value in the message (${leaked}): ${outcome.message} ${outcome.details.join(' | ')}`;
  // The one error about the whole file: it has no line to point at.
  if (/^devenv\.yml is \d+ bytes; the limit is \d+ bytes/.test(outcome.message)) return undefined;
  const several = /^devenv\.yml has \d+ problems$/.test(outcome.message);
  const lines = several ? outcome.details.filter((line) => !line.startsWith('  hint:')) : [outcome.message];
  const unplaced = lines.find((line) => !LOCATED.test(line));
  if (unplaced !== undefined || lines.length === 0) return `a problem without file:line:col: ${JSON.stringify(unplaced ?? outcome.message)}`;
  return undefined;
}

/** The projects to mutate: a copy of each example, and of the root devenv.yml with the example it builds. */
function projects(): { name: string; dir: string; yaml: string }[] {
  const found: { name: string; dir: string; yaml: string }[] = [];
  for (const example of readdirSync(path.join(repoRoot, 'examples'))) {
    const dir = copyProject(path.join('examples', example));
    found.push({ name: `examples/${example}`, dir, yaml: readFileSync(path.join(dir, 'devenv.yml'), 'utf8') });
  }
  const root = path.join(tempDir('fuzz-root'), 'root');
  mkdirSync(root, { recursive: true });
  cpSync(path.join(repoRoot, 'devenv.yml'), path.join(root, 'devenv.yml'));
  cpSync(copyProject('examples/node-postgres'), path.join(root, 'examples', 'node-postgres'), { recursive: true });
  found.push({ name: 'devenv.yml', dir: root, yaml: readFileSync(path.join(root, 'devenv.yml'), 'utf8') });
  return found;
}

describe(`fuzzing the loader with mutated example devenv.yml files (FUZZ_SEED=${SEED})`, () => {
  let bases: ReturnType<typeof projects> = [];
  beforeAll(() => {
    bases = projects();
  });

  it(`${CASES} mutated files each load or end in one located DevenvError`, async () => {
    expect(bases.length).toBeGreaterThanOrEqual(2);
    const failures: { summary: string; c: Case }[] = [];
    let loaded = 0;
    for (let index = 0; index < CASES; index += 1) {
      const rng = prng(SEED ^ Math.imul(index + 1, 0x9e3779b1));
      const base = pick(rng, bases);
      const c = makeCase(base.yaml, rng);
      writeFileSync(path.join(base.dir, 'devenv.yml'), c.yaml);
      for (const [file, text] of [['.env', c.dotenv], ['extra.env', c.envFile]] as const) {
        if (text === undefined) rmSync(path.join(base.dir, file), { force: true });
        else writeFileSync(path.join(base.dir, file), text);
      }
      const started = performance.now();
      const outcome = await loadProject({ cwd: base.dir, env: { HOME: base.dir, SHELL_VAR: 'set' }, persistSecrets: false }).catch((error: unknown) => error);
      if (!(outcome instanceof Error)) loaded += 1;
      const ms = performance.now() - started;
      // Each case stays quick: nothing a file holds may make the loader crawl.
      const wrong = complaint(outcome) ?? (ms > 3000 ? `took ${Math.round(ms)} ms` : undefined);
      if (wrong !== undefined) failures.push({ summary: `case ${index} (${base.name}; ${c.steps.join(', ')}): ${wrong.slice(0, 300)}`, c });
    }
    if (failures.length > 0) {
      const first = failures[0] as { summary: string; c: Case };
      const files = [`--- devenv.yml ---\n${first.c.yaml.slice(0, 1500)}`];
      if (first.c.dotenv !== undefined) files.push(`--- .env ---\n${first.c.dotenv}`);
      if (first.c.envFile !== undefined) files.push(`--- extra.env ---\n${first.c.envFile}`);
      const list = failures.slice(0, 20).map((f) => f.summary.replace(/\s+/g, ' ')).join('\n');
      throw new Error(`${failures.length} of ${CASES} cases failed; repeat with FUZZ_SEED=${SEED}\n${list}\n\nthe first one's files:\n${files.join('\n')}`);
    }
    // Some mutations leave a valid file, so the normaliser and cross-checks are fuzzed too, not only the parser.
    expect(loaded, `FUZZ_SEED=${SEED}: ${loaded} of ${CASES} loaded`).toBeGreaterThan(CASES * 0.03);
  }, 60_000);
});
