import { readFileSync, statSync } from 'node:fs';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import { DevenvError } from '../errors.js';
import type { Locate, Path, Position, Problem } from './problems.js';

/** Larger files are refused: a devenv.yml is a few dozen lines. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Aliases beyond this are treated as an alias bomb. */
const MAX_ALIAS_COUNT = 100;
/** Deeper documents are refused before anything recurses over them. */
const MAX_DEPTH = 32;

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

/** Depth of the node tree, stopping once it passes `limit` (iterative: the tree may be hostile). */
function exceedsDepth(root: unknown, limit: number): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (depth > limit) return true;
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    } else if (isPair(node)) {
      stack.push({ node: node.key, depth }, { node: node.value, depth });
    }
  }
  return false;
}

function makeLocate(doc: Document, lineCounter: LineCounter): Locate {
  const position = (node: unknown): Position | undefined => {
    const range = (node as YamlNode | null | undefined)?.range;
    if (!range) return undefined;
    const { line, col } = lineCounter.linePos(range[0]);
    return { line, col };
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
        const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(segment));
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

/** Parses YAML keeping positions; syntax errors, duplicate keys and alias bombs become problems. */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // merge: YAML merge keys (`<<: *common`), as Compose files use them to share settings.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, logLevel: 'error', merge: true });
  const locate = makeLocate(doc, lineCounter);
  const problems: Problem[] = doc.errors.map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    const message =
      error.code === 'DUPLICATE_KEY'
        ? 'duplicate key: each key may appear only once in a map'
        : error.code === 'MULTIPLE_DOCS'
          ? 'a second YAML document ("---"); devenv.yml holds exactly one'
          : `invalid YAML: ${error.message.split('\n')[0] ?? error.code}`;
    return { path: [], message, line: pos.line, col: pos.col };
  });
  if (problems.length > 0) return { value: undefined, problems, locate };
  if (exceedsDepth(doc.contents, MAX_DEPTH)) {
    return { value: undefined, problems: [{ path: [], message: `nesting deeper than ${MAX_DEPTH} levels`, line: 1, col: 1 }], locate };
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
