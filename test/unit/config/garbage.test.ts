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

  it('deep nesting, in flow and block style, ends in one located error', async () => {
    const deep = /^devenv\.yml:\d+:\d+ nested too deeply \(more than 32 levels\)$/;
    const cases = [
      `services: ${'['.repeat(20000)}${']'.repeat(20000)}\n`,
      `${'['.repeat(20000)}\n`,
      `${'- '.repeat(20000)}x\n`,
      `a: ${'{a: '.repeat(20000)}1${'}'.repeat(20000)}\n`,
      `services:\n  a: ${'{a: '.repeat(20000)}1\n`,
      `${Array.from({ length: 400 }, (_, i) => `${'  '.repeat(i)}- a:`).join('\n')} x\n`,
      `${'? '.repeat(20000)}x\n`,
    ];
    for (const yaml of cases) {
      const error = await loadError(yaml);
      expect(error.code, yaml.slice(0, 20)).toBe('CONFIG_INVALID');
      expect(error.details, yaml.slice(0, 20)).toEqual([]);
      expect(error.message, yaml.slice(0, 20)).toMatch(deep);
      expect(error.hint).toMatch(/unclosed "\[" or "\{"/);
    }
    // Placed where the limit is crossed: the 31st "[" of line 2 is the 33rd level (services, a, then the lists).
    expect(await problems(`services:\n  a: ${'['.repeat(40)}\n`)).toEqual(['devenv.yml:2:36 nested too deeply (more than 32 levels)']);
    const block = Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    expect(await problems(block)).toEqual(['devenv.yml:33:65 nested too deeply (more than 32 levels)']);
  }, 20_000);

  it('thousands of YAML errors that follow from one are summed up', async () => {
    const lines = await problems(`${'- a: '.repeat(5000)}x\n`);
    expect(lines).toHaveLength(11);
    expect(lines.slice(0, 10).every((line) => /^devenv\.yml:1:\d+ (invalid YAML: |duplicate key)/.test(line))).toBe(true);
    expect(lines[10]).toMatch(/^devenv\.yml:1:\d+ \d+ more YAML errors from here on, most likely caused by the ones above$/);
  });

  it('nesting that aliases bring in counts, and an alias inside its own anchor is refused', async () => {
    // Each anchor nests 20 levels and holds the previous one: 100 levels once the aliases are read.
    const lines = ['x-0: &a0 1'];
    for (let i = 1; i <= 5; i += 1) lines.push(`x-${i}: &a${i} ${'['.repeat(20)}*a${i - 1}${']'.repeat(20)}`);
    lines.push('services: { a: { image: x, env: *a5 } }');
    const [deep] = await problems(`${lines.join('\n')}\n`);
    expect(deep).toMatch(/^devenv\.yml:\d+:\d+ nested too deeply \(more than 32 levels, counting what aliases bring in\)$/);
    expect(await problems('services: &s { a: { image: x, env: *s } }\n')).toEqual([
      'devenv.yml:1:36 the alias *s is inside the collection its anchor &s names, which would contain itself without end',
    ]);
    expect(await problems('x-a: &a [*a]\nservices: { a: { image: x } }\n')).toEqual([
      'devenv.yml:1:10 the alias *a is inside the collection its anchor &a names, which would contain itself without end',
    ]);
  });

  it('long names that are not found are reported at once (no suggestion costing length²)', async () => {
    const [a, b, z] = ['a', 'b', 'z'].map((c) => c.repeat(30_000));
    const started = Date.now();
    const dependency = await problems(`services:\n  ? ${a}\n  : { image: x }\n  c: { image: x, depends_on: [${b}] }\n`);
    const field = await problems(`services:\n  d:\n    image: x\n    ? ${z}\n    : 1\n`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(dependency).toEqual([`devenv.yml:4:31 services.c.depends_on[0]: unknown service "${b}"; the services are ${a}, c`]);
    expect(field).toEqual([`devenv.yml:4:7 services.d.${z}: unknown field "${z}"; expected one of image, build, command, working_dir, port, ports, env, env_file, health, oneshot, depends_on, aliases, restart, max_restarts, volumes, stop_timeout`]);
  }, 20_000);

  it('huge collections are refused where they start; thousands of problems are listed 50 at most, quickly', async () => {
    const started = Date.now();
    expect(await problems(`services:\n  a: { image: x, ports: [${'[],'.repeat(20_000)}] }\n`)).toEqual([
      'devenv.yml:2:25 a list of 20000 entries; the limit is 10000',
    ]);
    const unknown = await loadError(`services:\n  a:\n    image: x\n${Array.from({ length: 9000 }, (_, i) => `    k${i}: 1`).join('\n')}\n`);
    expect(unknown.message).toBe('devenv.yml has 9000 problems');
    expect(unknown.details).toHaveLength(51);
    expect(unknown.details[0]).toMatch(/^devenv\.yml:4:5 services\.a\.k0: unknown field "k0"/);
    expect(unknown.details[50]).toBe('devenv.yml:54:5 and 8950 more problems from here on, not listed');
    const duplicates = await problems(`services:\n  a: { image: x }\n${'  a: { image: x }\n'.repeat(9000)}`);
    expect(duplicates).toHaveLength(11);
    expect(duplicates[0]).toBe('devenv.yml:3:3 duplicate key: each key may appear only once in a map');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30_000);

  it('a long chain of depends_on is checked for cycles without recursion', async () => {
    const chain = Array.from({ length: 5000 }, (_, i) => `  s${i}: { image: x, depends_on: [s${i + 1}] }`).join('\n');
    const project = await loadYaml(`services:\n${chain}\n  s5000: { image: x }\n`);
    expect(project.services).toHaveLength(5001);
    const cycle = await problems(`services:\n${chain}\n  s5000: { image: x, depends_on: [s0] }\n`);
    expect(cycle).toHaveLength(1);
    expect(cycle[0]).toMatch(/^devenv\.yml:\d+:\d+ services\.s0\.depends_on: dependency cycle: s0 -> s1 -> .* -> s5000 -> s0$/);
  }, 30_000);

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
