import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DevenvError } from '../../../src/errors.js';
import { loadError, loadYaml, problems } from './helpers.js';

describe('garbage input always ends in a DevenvError', () => {
  it('an empty file', async () => {
    expect(await problems('')).toEqual(['devenv.yml:1:1 expected a map with "services" at the top of the file, got an empty file']);
    expect(await problems('# only a comment\n')).toEqual(['devenv.yml:1:1 expected a map with "services" at the top of the file, got an empty file']);
  });

  it('a scalar or a list document', async () => {
    expect(await problems('hello\n')).toEqual(['devenv.yml:1:1 expected a map with "services" at the top of the file, got "hello"']);
    expect(await problems('- services\n')).toEqual(['devenv.yml:1:1 expected a map with "services" at the top of the file, got a list']);
  });

  it('a list where a map belongs', async () => {
    expect(await problems('services:\n  - app\n  - db\n')).toEqual(['devenv.yml:2:3 services: expected a map of services, got a list']);
  });

  it('random bytes', async () => {
    for (let i = 0; i < 20; i += 1) {
      const error = await loadError(randomBytes(2000).toString('latin1'));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toMatch(/^devenv\.yml/);
    }
  });

  it('a file over 1 MiB', async () => {
    const error = await loadError(`services:\n  a: { image: x }\n# ${'x'.repeat(10 * 1024 * 1024)}\n`);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^devenv\.yml is 10485\d+ bytes; the limit is 1048576 bytes \(1 MiB\)$/);
  });

  it('deep nesting, in flow and block style', async () => {
    const flow = await problems(`services: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    expect(flow.join('\n')).toMatch(/^devenv\.yml:\d+:\d+ /);
    const block = Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    expect(await problems(block)).toEqual(['devenv.yml:1:1 nesting deeper than 32 levels']);
  }, 20_000);

  it('an alias bomb', async () => {
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
services: { a: { image: x } }
`;
    expect(await problems(bomb)).toEqual(['devenv.yml:1:1 too many aliases (more than 100); the document looks like an alias bomb']);
  });

  it('a few aliases are fine', async () => {
    const yaml = 'x-env: &env { A: "1" }\nservices:\n  a: { image: x, env: *env }\n  b: { image: y, env: *env }\n';
    const project = await loadYaml(yaml);
    expect(project.services.map((s) => (s.kind === 'container' ? s.env : {}))).toEqual([{ A: ['1'] }, { A: ['1'] }]);
  });

  it('YAML types that are not plain maps', async () => {
    expect(await problems('services: !!binary aGVsbG8=\n')).toEqual(['devenv.yml:1:20 services: expected a map of services, got binary data']);
    expect(await problems('services:\n  a: !!set { image }\n')).toEqual(['devenv.yml:2:12 services.a: expected a map with postgres, image, build or process, got a set']);
  });

  it('odd keys and values', async () => {
    const cases = [
      'services:\n  ? [a, b]\n  : { image: x }\n',
      'services:\n  __proto__: { image: x }\n',
      'services:\n  a: { image: x, env: { __proto__: 1, "": 2 } }\n',
      'services: !!binary aGVsbG8=\n',
      'services:\n  a: !!set { image }\n',
      '%YAML 1.1\n---\nservices: { a: { image: x, restart: yes } }\n',
      'services:\n  a: { image: x }\n---\nservices: {}\n',
      '\uFEFFservices: {a: {image: 1e400, port: .inf}}\n',
    ];
    expect(await problems(cases[6] ?? '')).toEqual([
      'devenv.yml:3:1 a second YAML document ("---"); devenv.yml holds exactly one',
    ]);
    for (const yaml of cases) {
      const error = await loadError(yaml);
      expect(error, yaml).toBeInstanceOf(DevenvError);
      expect(error.code, yaml).toBe('CONFIG_INVALID');
    }
  });
});
