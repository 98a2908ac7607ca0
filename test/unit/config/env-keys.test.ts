import { describe, expect, it } from 'vitest';
import { resolveEnv } from '../../../src/config/references.js';
import { container, loadYaml, problems } from './helpers.js';

/** Names that are plain variables to a shell but special to a JavaScript object. */
const NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

describe('env keys that name Object.prototype members are ordinary variables', () => {
  it('env, env_file, build.args and migration env keep them as own keys, and pollute nothing', async () => {
    const yaml = `services:
  a:
    image: x
    build: { context: ., args: { __proto__: "arg", constructor: "c" } }
    env_file: a.env
    env: { __proto__: "from-env", constructor: "2", prototype: "3" }
  b:
    process: ./run
    env: { __proto__: "host" }
migrations:
  - { name: m, process: ./migrate, env: { __proto__: "step" } }
`;
    const files = { 'a.env': 'toString=4\nhasOwnProperty=5\n__proto__=overridden\n', Dockerfile: 'FROM scratch\n' };
    const project = await loadYaml(yaml, { files });
    const a = container(project, 'a');
    expect(Object.getPrototypeOf(a.env)).toBe(Object.prototype);
    expect(Object.keys(a.env).sort()).toEqual([...NAMES].sort());
    expect(Object.getOwnPropertyDescriptor(a.env, '__proto__')?.value).toEqual(['from-env']);
    expect(Object.getOwnPropertyDescriptor(resolveEnv(project, a, 'network'), '__proto__')?.value).toBe('from-env');
    expect(Object.getOwnPropertyDescriptor(a.build?.args, '__proto__')?.value).toBe('arg');
    expect(a.build?.args.constructor).toBe('c');
    const b = project.services.find((s) => s.name === 'b');
    expect(b?.kind === 'process' && Object.getOwnPropertyDescriptor(b.env, '__proto__')?.value).toEqual(['host']);
    const step = project.migrations[0];
    expect(step?.kind === 'process' && Object.getOwnPropertyDescriptor(step.env, '__proto__')?.value).toEqual(['step']);
    // Nothing leaked into every object.
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
    expect(Object.prototype).not.toHaveProperty('from-env');
  });

  it('${constructor} and friends are unset variables unless set, and .env may set them', async () => {
    const yaml = 'services:\n  a: { image: "x${constructor}${toString}${__proto__}${hasOwnProperty:-dflt}" }\n';
    expect(container(await loadYaml(yaml), 'a').image).toBe('xdflt');
    const fromDotenv = await loadYaml(yaml, { files: { '.env': '__proto__=p\nconstructor=c\n' } });
    expect(container(fromDotenv, 'a').image).toBe('xcpdflt');
    const fromEnv = await loadYaml(yaml, { env: { toString: 't' } });
    expect(container(fromEnv, 'a').image).toBe('xtdflt');
  });

  it('an env value of the wrong type under __proto__ is reported like any other', async () => {
    expect(await problems('services:\n  a: { image: x, env: { __proto__: [1] } }\n')).toEqual([
      'devenv.yml:2:36 services.a.env.__proto__: expected a string, number or boolean, got a list',
    ]);
  });

  it('a depends_on map naming __proto__ is an unknown service, not nothing', async () => {
    expect(await problems('services:\n  a: { image: x, depends_on: { __proto__: { condition: service_started } } }\n')).toEqual([
      'devenv.yml:2:32 services.a.depends_on.__proto__: unknown service "__proto__"; the services are a',
    ]);
  });

  it('a field named like an Object.prototype member is an unknown field', async () => {
    expect(await problems('services:\n  a: { image: x, constructor: 1, toString: 2 }\n')).toEqual([
      'devenv.yml:2:18 services.a.constructor: unknown field "constructor"; expected one of image, build, command, working_dir, port, ports, env, env_file, health, oneshot, depends_on, aliases, restart, max_restarts, volumes, stop_timeout',
      'devenv.yml:2:34 services.a.toString: unknown field "toString"; expected one of image, build, command, working_dir, port, ports, env, env_file, health, oneshot, depends_on, aliases, restart, max_restarts, volumes, stop_timeout',
    ]);
  });
});
