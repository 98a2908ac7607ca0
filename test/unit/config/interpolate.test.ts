import { describe, expect, it } from 'vitest';
import { interpolate, renderText } from '../../../src/config/interpolate.js';

const text = (input: string, vars: Record<string, string | undefined> = {}) => {
  const result = interpolate(input, vars, false);
  if (!result.ok) throw new Error(result.error);
  return renderText(result.template);
};
const error = (input: string, vars: Record<string, string | undefined> = {}) => {
  const result = interpolate(input, vars, false);
  return result.ok ? undefined : result.error;
};

describe('interpolate', () => {
  it('substitutes ${VAR} and $VAR', () => {
    expect(text('a-${X}-b', { X: '1' })).toBe('a-1-b');
    expect(text('$X/$Y_2.', { X: 'x', Y_2: 'y' })).toBe('x/y.');
    expect(text('${UNSET}|$UNSET')).toBe('|');
  });

  it('applies :- when unset or empty, - only when unset', () => {
    expect(text('${X:-d}', {})).toBe('d');
    expect(text('${X:-d}', { X: '' })).toBe('d');
    expect(text('${X-d}', { X: '' })).toBe('');
    expect(text('${X-d}', {})).toBe('d');
    expect(text('${X:-d}', { X: 'v' })).toBe('v');
  });

  it('applies :+ and + alternatives', () => {
    expect(text('${X:+on}', { X: 'v' })).toBe('on');
    expect(text('${X:+on}', { X: '' })).toBe('');
    expect(text('${X+on}', { X: '' })).toBe('on');
  });

  it('evaluates nested defaults, only when needed', () => {
    expect(text('${A:-${B:-${C:-deep}}}')).toBe('deep');
    expect(text('${A:-${B}-x}', { B: 'b' })).toBe('b-x');
    expect(text('${A:-${B:?never evaluated}}', { A: 'a' })).toBe('a');
  });

  it('turns $$ into a literal $ and leaves a lone $ alone', () => {
    expect(text('$$HOME costs $5 and $${X}')).toBe('$HOME costs $5 and ${X}');
    expect(text('end$')).toBe('end$');
  });

  it('reports :? and ? with the message', () => {
    expect(error('${DB_PASSWORD:?set it in .env}')).toBe('variable DB_PASSWORD is not set: set it in .env');
    expect(error('${DB_PASSWORD:?}', { DB_PASSWORD: '' })).toBe('variable DB_PASSWORD is empty');
    expect(error('${DB_PASSWORD?x}', { DB_PASSWORD: '' })).toBeUndefined();
    expect(error('${DB_PASSWORD?need ${WHAT}}', { WHAT: 'a password' })).toBe('variable DB_PASSWORD is not set: need a password');
  });

  it('reports malformed expressions', () => {
    expect(error('${X')).toMatch(/^unclosed "\$\{"/);
    expect(error('${X:-${Y}')).toMatch(/^unclosed "\$\{"/);
    expect(error('${}')).toBe('invalid "${}": expected a variable name such as ${NAME}');
    expect(error('${X!y}')).toBe('invalid "${X!y}": expected "}", ":-", "-", ":?" or "?" after the variable name');
    expect(error('${A:-'.repeat(100) + '}'.repeat(100))).toMatch(/nested more than 16 levels/);
  });

  it('keeps references as parts only where allowed', () => {
    const allowed = interpolate('postgres ${db.url} ${my-db.password}!', {}, true);
    expect(allowed).toEqual({
      ok: true,
      template: ['postgres ', { service: 'db', field: 'url' }, ' ', { service: 'my-db', field: 'password' }, '!'],
    });
    expect(interpolate('${X:-${db.host}}', {}, true)).toEqual({ ok: true, template: [{ service: 'db', field: 'host' }] });
    expect(error('${db.url}')).toBe('the reference ${db.url} is only allowed in env values (and ${service.image} in image)');
  });
});
