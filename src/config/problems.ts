import { DevenvError } from '../errors.js';

/** A path into the devenv.yml document, e.g. ['services', 'app', 'ports', 0]. */
export type Path = readonly (string | number)[];

/** One thing wrong with devenv.yml. The loader collects them all and throws once. */
export interface Problem {
  path: Path;
  message: string;
  hint?: string;
  /** Point at the key of the entry (unknown fields) rather than its value. */
  at?: 'key' | 'value';
  /** A position known up front (YAML syntax errors, lines of an env file). */
  file?: string;
  line?: number;
  col?: number;
}

export interface Position {
  line: number;
  col: number;
}

/** Finds where a path lives in the source; undefined when it cannot be placed. */
export type Locate = (path: Path, at: 'key' | 'value') => Position | undefined;

const PLAIN_SEGMENT = /^[A-Za-z0-9_-]+$/;

export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_SEGMENT.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** push(...items) without spreading: a hostile file can make more problems than a call takes arguments. */
export function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** How a value is shown after "got": short, quoted strings, kinds for collections. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Set) return 'a set';
  if (ArrayBuffer.isView(value)) return 'binary data';
  if (value instanceof Map) return 'an ordered map';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

/** "expected X, got Y" — the shape of most problem messages. */
export function mismatch(expected: string, value: unknown): string {
  return `expected ${expected}, got ${describeValue(value)}`;
}

export function problemLine(problem: Problem, file: string, locate: Locate): string {
  const position =
    problem.line === undefined
      ? locate(problem.path, problem.at ?? 'value')
      : { line: problem.line, col: problem.col ?? 1 };
  const where = position ? `${problem.file ?? file}:${position.line}:${position.col}` : `${problem.file ?? file}:`;
  const field = problem.path.length > 0 ? ` ${formatPath(problem.path)}:` : '';
  return `${where}${field} ${problem.message}`;
}

const DEFAULT_HINT = 'fix devenv.yml; the fields are described in the "devenv.yml reference" of the README';

/** Problems listed in one error; the rest are counted on one more line (a generated file can have thousands). */
export const MAX_LISTED_PROBLEMS = 50;

/** Throws one CONFIG_INVALID error listing every problem (up to MAX_LISTED_PROBLEMS), in source order. */
export function throwProblems(problems: readonly Problem[], file: string, locate: Locate): never {
  const placed = problems.map((problem, index) => {
    const position =
      problem.line === undefined ? locate(problem.path, problem.at ?? 'value') : { line: problem.line, col: problem.col ?? 1 };
    return { problem, index, position, text: problemLine(problem, file, locate) };
  });
  placed.sort((a, b) => {
    if (a.problem.file !== b.problem.file) return a.problem.file === undefined ? -1 : 1;
    const byLine = (a.position?.line ?? 0) - (b.position?.line ?? 0);
    const byCol = (a.position?.col ?? 0) - (b.position?.col ?? 0);
    return byLine || byCol || a.index - b.index;
  });
  // Each distinct line once, with the first hint given for it.
  const hints = new Map<string, string | undefined>();
  for (const { text, problem } of placed) if (hints.get(text) === undefined) hints.set(text, problem.hint);
  const lines = [...hints.keys()];
  if (lines.length === 1) {
    throw new DevenvError('CONFIG_INVALID', lines[0] ?? '', { hint: placed[0]?.problem.hint ?? DEFAULT_HINT });
  }
  // With several problems each specific hint follows its own line; the error's hint stays general.
  const details: string[] = [];
  for (const line of lines.slice(0, MAX_LISTED_PROBLEMS)) {
    details.push(line);
    const hint = hints.get(line);
    if (hint !== undefined) details.push(`  hint: ${hint}`);
  }
  const rest = lines.length - MAX_LISTED_PROBLEMS;
  if (rest > 0) {
    // Placed where the unlisted ones start, like every other line.
    const first = placed.find((p) => p.text === lines[MAX_LISTED_PROBLEMS]);
    const where = first?.position ? `${first.problem.file ?? file}:${first.position.line}:${first.position.col}` : `${file}:`;
    details.push(`${where} and ${rest} more ${rest === 1 ? 'problem' : 'problems'} from here on, not listed`);
  }
  throw new DevenvError('CONFIG_INVALID', `${file} has ${lines.length} problems`, { details, hint: DEFAULT_HINT });
}
