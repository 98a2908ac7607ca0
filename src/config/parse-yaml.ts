import { readFileSync, statSync } from 'node:fs';
import {
  Composer,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  YAMLParseError,
  type Document,
  type DocumentOptions,
  type Node as YamlNode,
  type Pair,
  type ParseOptions,
  type SchemaOptions,
  type YAMLMap,
} from 'yaml';
import { DevenvError } from '../errors.js';
import type { Locate, Path, Position, Problem } from './problems.js';
import { tooDeepInText, tooDeepWithAliases } from './yaml-depth.js';

/** Larger files are refused: a devenv.yml is a few dozen lines. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Entries of one list or map: far beyond any devenv.yml, and short of what zod's error paths can take. */
const MAX_COLLECTION_ITEMS = 10_000;
/** YAML syntax errors shown; the rest are summed up in one line. */
const MAX_SYNTAX_PROBLEMS = 10;
/** Aliases beyond this are treated as an alias bomb. */
const MAX_ALIAS_COUNT = 100;
/** Deeper documents are refused before anything recurses over them; a devenv.yml needs about 5. */
const MAX_DEPTH = 32;
const DEPTH_HINT = 'a devenv.yml nests a few levels (services → name → env → KEY); look for unclosed "[" or "{", or indentation that runs away';

export interface ParsedYaml {
  /** The plain JavaScript value, or undefined when the YAML could not be read. */
  value: unknown;
  problems: Problem[];
  locate: Locate;
}

/** Reads a file, refusing anything over MAX_CONFIG_BYTES. */
export function readConfigText(file: string, shownAs: string): string {
  try {
    const size = statSync(file).size;
    if (size > MAX_CONFIG_BYTES) {
      throw new DevenvError('CONFIG_INVALID', `${shownAs} is ${size} bytes; the limit is ${MAX_CONFIG_BYTES} bytes (1 MiB)`, {
        hint: 'point -f at the devenv.yml itself; a devenv.yml is a few dozen lines',
      });
    }
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof DevenvError) throw error;
    throw new DevenvError('CONFIG_INVALID', `cannot read ${shownAs}: ${(error as Error).message}`, { cause: error });
  }
}

function resolveAlias(node: unknown, doc: Document): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function makeLocate(doc: Document, lineCounter: LineCounter): Locate {
  const position = (node: unknown): Position | undefined => {
    const range = (node as YamlNode | null | undefined)?.range;
    if (!range) return undefined;
    const { line, col } = lineCounter.linePos(range[0]);
    return { line, col };
  };
  // Each map indexed once by key text: a file with thousands of problems is placed in linear time.
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, segment: string): Pair | undefined => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const item of map.items) {
        const text = String(isScalar(item.key) ? item.key.value : item.key);
        if (!index.has(text)) index.set(text, item);
      }
      indexes.set(map, index);
    }
    return index.get(segment);
  };
  return (path: Path, at: 'key' | 'value') => {
    let node: unknown = doc.contents;
    let last: Position | undefined = position(node) ?? { line: 1, col: 1 };
    for (let i = 0; i < path.length; i += 1) {
      const segment = path[i];
      node = resolveAlias(node, doc);
      let next: unknown;
      let key: unknown;
      if (isMap(node)) {
        const pair = pairOf(node, String(segment));
        key = pair?.key;
        next = pair?.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        next = node.items[segment];
      }
      const isLast = i === path.length - 1;
      if (isLast && at === 'key' && key !== undefined) return position(key) ?? last;
      const here = position(next) ?? position(key);
      if (here === undefined) return last;
      last = here;
      node = next;
    }
    return last;
  };
}

/**
 * What the yaml package would otherwise check slowly, or zod choke on: keys that repeat an earlier
 * scalar key of their map (compared as uniqueKeys does), and lists or maps over MAX_COLLECTION_ITEMS.
 */
function collectionProblems(doc: Document): { offset: number; message: string }[] {
  const found: { offset: number; message: string }[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isMap(node) && !isSeq(node)) continue;
    if (node.items.length > MAX_COLLECTION_ITEMS) {
      const what = isMap(node) ? 'a map of' : 'a list of';
      found.push({ offset: node.range?.[0] ?? 0, message: `${what} ${node.items.length} entries; the limit is ${MAX_COLLECTION_ITEMS}` });
      continue;
    }
    if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
      continue;
    }
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      if (isScalar(pair.key)) {
        if (seen.has(pair.key.value)) found.push({ offset: pair.key.range?.[0] ?? 0, message: 'duplicate key: each key may appear only once in a map' });
        seen.add(pair.key.value);
      }
      stack.push(pair.key, pair.value);
    }
  }
  return found;
}

/** What parseDocument does, with the depth measured between parsing (iterative) and composing (recursive). */
function parseMeasured(text: string, lineCounter: LineCounter): { doc: Document } | { tooDeepAt: number } {
  // uniqueKeys off: the yaml package compares each key with every other of its map (n² on a hostile
  // file); collectionProblems does it with a set.
  const options: ParseOptions & DocumentOptions & SchemaOptions = { uniqueKeys: false, prettyErrors: false, logLevel: 'error', merge: true };
  const tokens = [...new Parser(lineCounter.addNewLine).parse(text)];
  const tooDeepAt = tooDeepInText(tokens, MAX_DEPTH);
  if (tooDeepAt !== undefined) return { tooDeepAt };
  let doc: Document | undefined;
  // merge: YAML merge keys (`<<: *common`), as Compose files use them to share settings.
  for (const next of new Composer(options).compose(tokens, true, text.length)) {
    if (doc === undefined) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  // compose(…, forceDoc) always yields one document.
  return { doc: doc as Document };
}

/** Parses YAML keeping positions; syntax errors, duplicate keys, deep nesting and alias bombs become problems. */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const parsed = parseMeasured(text, lineCounter);
  const tooDeep = (offset: number, message: string, hint = DEPTH_HINT): ParsedYaml => {
    const { line, col } = lineCounter.linePos(offset);
    return { value: undefined, problems: [{ path: [], message, hint, line, col }], locate: () => undefined };
  };
  if ('tooDeepAt' in parsed) return tooDeep(parsed.tooDeepAt, `nested too deeply (more than ${MAX_DEPTH} levels)`);
  const { doc } = parsed;
  const locate = makeLocate(doc, lineCounter);
  const errors = [
    ...doc.errors.map((error) => ({
      offset: error.pos[0],
      message: error.code === 'MULTIPLE_DOCS' ? 'a second YAML document ("---"); devenv.yml holds exactly one' : `invalid YAML: ${error.message.split('\n')[0] ?? error.code}`,
    })),
    ...collectionProblems(doc),
  ].sort((a, b) => a.offset - b.offset);
  // One broken line can make thousands of errors that all follow from it: show the first ones.
  const problems: Problem[] = errors.slice(0, MAX_SYNTAX_PROBLEMS).map(({ offset, message }) => ({ path: [], message, ...lineCounter.linePos(offset) }));
  const more = errors[MAX_SYNTAX_PROBLEMS];
  if (more !== undefined) {
    const pos = lineCounter.linePos(more.offset);
    const count = errors.length - MAX_SYNTAX_PROBLEMS;
    problems.push({ path: [], message: `${count} more YAML ${count === 1 ? 'error' : 'errors'} from here on, most likely caused by the ones above`, line: pos.line, col: pos.col });
  }
  if (problems.length > 0) return { value: undefined, problems, locate };
  const aliased = tooDeepWithAliases(doc, MAX_DEPTH);
  if (aliased?.kind === 'cycle') {
    const message = `the alias *${aliased.anchor} is inside the collection its anchor &${aliased.anchor} names, which would contain itself without end`;
    return { ...tooDeep(aliased.alias.range?.[0] ?? 0, message, 'move the alias out of the collection it names, or name a part of it with its own anchor'), locate };
  }
  if (aliased?.kind === 'deep') {
    const through = isAlias(aliased.at) ? ', counting what aliases bring in' : '';
    return { ...tooDeep(aliased.at.range?.[0] ?? 0, `nested too deeply (more than ${MAX_DEPTH} levels${through})`), locate };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), problems, locate };
  } catch (error) {
    const message = /alias/i.test((error as Error).message)
      ? `too many aliases (more than ${MAX_ALIAS_COUNT}); the document looks like an alias bomb`
      : `cannot read the YAML: ${(error as Error).message}`;
    return { value: undefined, problems: [{ path: [], message, line: 1, col: 1 }], locate };
  }
}
