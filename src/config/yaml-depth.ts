/**
 * Depth limits for hostile YAML, checked without recursion: the yaml package composes a document,
 * and devenv walks its value, recursively, so 20,000 nested "[" would overflow the stack there.
 * Its CST parser is iterative: the text is measured on the CST before it is composed, and the
 * composed document again with what aliases bring in (an alias may repeat a deep anchor, or sit
 * inside its own anchor and make the value endless).
 */
import { isAlias, isMap, isPair, isSeq, type CST, type Document, type Node as YamlNode } from 'yaml';

/** The offset of the first collection nested deeper than `limit` levels, if any. */
export function tooDeepInText(tokens: readonly CST.Token[], limit: number): number | undefined {
  const stack: { token: CST.Token | null | undefined; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  // Depth-first, in source order: the first offending collection found is the first in the text.
  stack.reverse();
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as { token: CST.Token | null | undefined; depth: number };
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth + 1 > limit) return token.offset;
    const children: { token: CST.Token | null | undefined; depth: number }[] = [];
    for (const item of token.items) {
      if ('key' in item) children.push({ token: item.key, depth: depth + 1 });
      children.push({ token: item.value, depth: depth + 1 });
    }
    for (let i = children.length - 1; i >= 0; i -= 1) stack.push(children[i] as (typeof children)[number]);
  }
  return undefined;
}

export type AliasDepthProblem =
  | { kind: 'cycle'; alias: YamlNode; anchor: string }
  | { kind: 'deep'; at: YamlNode };

/** Collections a node holds, aliases resolved to what they name; pairs are not a level. */
function children(node: unknown, doc: Document): unknown[] {
  if (isAlias(node)) {
    const target = node.resolve(doc);
    return target === undefined ? [] : [target];
  }
  if (!isMap(node) && !isSeq(node)) return [];
  const out: unknown[] = [];
  for (const item of node.items) {
    if (isPair(item)) out.push(item.key, item.value);
    else out.push(item);
  }
  return out;
}

const isCollection = (node: unknown): boolean => isMap(node) || isSeq(node);

/**
 * Measures the document as its value will be, aliases expanded, without expanding them: each
 * node's height is computed once. Returns an alias that sits inside its own anchor, or where the
 * value passes `limit` levels (the last alias on the way there, which brought the depth in).
 */
export function tooDeepWithAliases(doc: Document, limit: number): AliasDepthProblem | undefined {
  const root = doc.contents;
  if (root === null || root === undefined) return undefined;
  const height = new Map<unknown, number>();
  const onPath = new Set<unknown>();
  const stack: { node: unknown; next: unknown[] | undefined }[] = [{ node: root, next: undefined }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as { node: unknown; next: unknown[] | undefined };
    if (frame.next === undefined) {
      if (height.has(frame.node)) {
        stack.pop();
        continue;
      }
      frame.next = children(frame.node, doc);
      onPath.add(frame.node);
    }
    const child = frame.next.pop();
    if (child !== undefined) {
      if (onPath.has(child)) {
        const alias = [...stack].reverse().find((f) => isAlias(f.node))?.node as YamlNode & { source: string };
        return { kind: 'cycle', alias, anchor: alias.source };
      }
      if (!height.has(child)) stack.push({ node: child, next: undefined });
      continue;
    }
    // Every child measured: this node's height follows from theirs.
    const below = children(frame.node, doc).reduce<number>((max, c) => Math.max(max, height.get(c) ?? 0), 0);
    height.set(frame.node, below + (isCollection(frame.node) ? 1 : 0));
    onPath.delete(frame.node);
    stack.pop();
  }
  if ((height.get(root) ?? 0) <= limit) return undefined;
  // Walk down the deepest way until the limit is passed.
  let node: unknown = root;
  let depth = isCollection(root) ? 1 : 0;
  let lastAlias: unknown;
  while (depth <= limit) {
    const kids = children(node, doc);
    const next = kids.reduce<unknown>((best, c) => ((height.get(c) ?? 0) > (height.get(best) ?? -1) ? c : best), undefined);
    if (next === undefined) break;
    if (isAlias(next)) lastAlias = next;
    node = next;
    if (isCollection(next)) depth += 1;
  }
  return { kind: 'deep', at: (lastAlias ?? node) as YamlNode };
}
