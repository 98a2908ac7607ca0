import type { ServiceRef, Template, TemplatePart } from './project.js';

/** Variables visible to `${VAR}`: the process environment over `.env`. */
export type Vars = Record<string, string | undefined>;

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'ref'; ref: ServiceRef; source: string }
  | { kind: 'var'; name: string; op?: string; arg: Node[] };

const REF = /^([a-z0-9][a-z0-9_-]*)\.([A-Za-z0-9_]*)\}/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATORS = [':-', ':?', ':+', '-', '?', '+'];
const MAX_NESTING = 16;

class InterpolationError extends Error {}

/** quote: whether errors may quote the input (not for the values of an env file, which may hold secrets). */
interface ParseContext {
  input: string;
  quote: boolean;
}

/** A recursive-descent parser over one string; `${…}` defaults are parsed before any is evaluated. */
function parse(context: ParseContext, start: number, inBraces: boolean, depth: number): { nodes: Node[]; end: number } {
  const { input } = context;
  if (depth > MAX_NESTING) throw new InterpolationError(`"\${…}" nested more than ${MAX_NESTING} levels deep`);
  const nodes: Node[] = [];
  let text = '';
  let i = start;
  const flush = (): void => {
    if (text !== '') nodes.push({ kind: 'text', text });
    text = '';
  };
  while (i < input.length) {
    const c = input[i];
    if (inBraces && c === '}') {
      flush();
      return { nodes, end: i + 1 };
    }
    if (c !== '$') {
      text += c;
      i += 1;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      text += '$';
      i += 2;
    } else if (next === '{') {
      flush();
      const parsed = parseBraced(context, i + 2, depth);
      nodes.push(parsed.node);
      i = parsed.end;
    } else if (next !== undefined && /[A-Za-z_]/.test(next)) {
      flush();
      const name = NAME.exec(input.slice(i + 1))?.[0] ?? '';
      nodes.push({ kind: 'var', name, arg: [] });
      i += 1 + name.length;
    } else {
      text += '$';
      i += 1;
    }
  }
  if (inBraces) throw new InterpolationError('unclosed "${": add the closing "}" (or write "$$" for a literal "$")');
  flush();
  return { nodes, end: i };
}

function parseBraced(context: ParseContext, start: number, depth: number): { node: Node; end: number } {
  const { input } = context;
  const rest = input.slice(start);
  const ref = REF.exec(rest);
  if (ref) {
    const source = `\${${ref[1]}.${ref[2]}}`;
    return { node: { kind: 'ref', ref: { service: ref[1] ?? '', field: (ref[2] ?? '') as ServiceRef['field'] }, source }, end: start + ref[0].length };
  }
  const name = NAME.exec(rest)?.[0];
  const shown = context.quote ? rest.slice(0, Math.max(rest.indexOf('}') + 1, 1)) : '';
  if (name === undefined) throw new InterpolationError(`invalid "\${${shown}": expected a variable name such as \${NAME}`);
  let i = start + name.length;
  if (input[i] === '}') return { node: { kind: 'var', name, arg: [] }, end: i + 1 };
  const op = OPERATORS.find((candidate) => input.startsWith(candidate, i));
  if (op === undefined) {
    if (i >= input.length) throw new InterpolationError('unclosed "${": add the closing "}" (or write "$$" for a literal "$")');
    throw new InterpolationError(`invalid "\${${shown}": expected "}", ":-", "-", ":?" or "?" after the variable name`);
  }
  i += op.length;
  const arg = parse(context, i, true, depth + 1);
  return { node: { kind: 'var', name, op, arg: arg.nodes }, end: arg.end };
}

function evaluate(nodes: Node[], vars: Vars, allowRefs: boolean): TemplatePart[] {
  const parts: TemplatePart[] = [];
  for (const node of nodes) {
    if (node.kind === 'text') parts.push(node.text);
    else if (node.kind === 'ref') {
      if (!allowRefs) {
        throw new InterpolationError(`the reference ${node.source} is only allowed in env values (and \${service.image} in image)`);
      }
      parts.push(node.ref);
    } else for (const part of evaluateVar(node, vars, allowRefs)) parts.push(part);
  }
  return parts;
}

function evaluateVar(node: Extract<Node, { kind: 'var' }>, vars: Vars, allowRefs: boolean): TemplatePart[] {
  // Own keys only: ${constructor} is a variable, not Object.prototype.constructor.
  const value = Object.hasOwn(vars, node.name) ? vars[node.name] : undefined;
  const unset = value === undefined;
  const blank = unset || value === '';
  switch (node.op) {
    case undefined:
      return [value ?? ''];
    case ':-':
    case '-':
      return (node.op === ':-' ? blank : unset) ? evaluate(node.arg, vars, allowRefs) : [value ?? ''];
    case ':+':
    case '+':
      return (node.op === ':+' ? blank : unset) ? [] : evaluate(node.arg, vars, allowRefs);
    default: {
      if (!(node.op === ':?' ? blank : unset)) return [value ?? ''];
      const message = renderText(evaluate(node.arg, vars, false));
      const state = unset ? 'is not set' : 'is empty';
      throw new InterpolationError(`variable ${node.name} ${state}${message === '' ? '' : `: ${message}`}`);
    }
  }
}

/** Joins adjacent strings so a template has as few parts as possible. */
function compact(parts: TemplatePart[]): Template {
  const out: Template = [];
  for (const part of parts) {
    const last = out[out.length - 1];
    if (typeof part === 'string' && typeof last === 'string') out[out.length - 1] = last + part;
    else if (part !== '') out.push(part);
  }
  return out;
}

/** Renders a template as text, writing references back as `${svc.field}`. */
export function renderText(template: Template): string {
  return template.map((part) => (typeof part === 'string' ? part : `\${${part.service}.${part.field}}`)).join('');
}

export type InterpolationResult = { ok: true; template: Template } | { ok: false; error: string };

/**
 * Interpolates one string. References (`${db.url}`) are kept as parts when allowed, else an error.
 * quote false: errors do not quote the input (a value of an env file); a `:?` message is still
 * shown, its author wrote it to be.
 */
export function interpolate(input: string, vars: Vars, allowRefs: boolean, quote = true): InterpolationResult {
  try {
    return { ok: true, template: compact(evaluate(parse({ input, quote }, 0, false, 0).nodes, vars, allowRefs)) };
  } catch (error) {
    if (error instanceof InterpolationError) return { ok: false, error: error.message };
    throw error;
  }
}
