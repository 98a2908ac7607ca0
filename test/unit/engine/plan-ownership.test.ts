import { describe, expect, it } from 'vitest';
import { DevenvError } from '../../../src/errors.js';
import { LABELS } from '../../../src/engine/labels.js';
import { foreignOf, namesToCheck, otherCheckoutsOf } from '../../../src/engine/plan-ownership.js';
import { planUp } from '../../../src/engine/plan-up.js';
import { demoProject, emptyObserved, upObserved } from './fixtures.js';

describe('ownership of names', () => {
  it('looks up every name up would create that the project does not hold, and none when it holds them all', () => {
    const project = demoProject();
    expect(namesToCheck(project, emptyObserved()).map((n) => `${n.kind} ${n.name}`)).toEqual([
      'network demo-net', 'volume demo-db-data', 'container demo-db', 'container demo-cache', 'container demo-app', 'container demo-migrate-seed',
    ]);
    expect(namesToCheck(project, upObserved(project)).map((n) => n.name)).toEqual(['demo-migrate-seed']);
  });

  it('a name held without the project label, or by another project, is foreign; missing or ours is not', () => {
    expect(foreignOf('demo', [
      { kind: 'volume', name: 'demo-db-data', labels: {} },
      { kind: 'network', name: 'demo-net', labels: { [LABELS.project]: 'demo' } },
      { kind: 'container', name: 'demo-app', labels: { [LABELS.project]: 'demo' } }, // a `docker run` of our image
      { kind: 'container', name: 'demo-db', labels: { [LABELS.project]: 'demo-x', [LABELS.role]: 'service' } },
      { kind: 'container', name: 'demo-cache', labels: undefined },
    ])).toEqual([
      { kind: 'volume', name: 'demo-db-data' },
      { kind: 'container', name: 'demo-app' },
      { kind: 'container', name: 'demo-db', project: 'demo-x' },
    ]);
  });

  it('the plan refuses before any step, naming each resource and the ways out', () => {
    const observed = { ...emptyObserved(), foreign: [{ kind: 'volume' as const, name: 'demo-db-data' }, { kind: 'container' as const, name: 'demo-app', project: 'other' }] };
    let error: unknown;
    try {
      planUp(demoProject(), observed);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DevenvError);
    const e = error as DevenvError;
    expect(e.code).toBe('NAME_CONFLICT');
    expect(e.message).toBe('names devenv would create for project "demo" are taken by resources devenv did not create for it; nothing was changed');
    expect(e.details).toEqual([
      'volume demo-db-data: has no devenv label (made by hand, by Compose or by another tool)',
      'container demo-app: belongs to devenv project "other"',
    ]);
    expect(e.hint).toContain('-p NAME');
    expect(e.hint).toContain('`docker volume rm demo-db-data`');
    expect(e.hint).toContain('a volume may hold data');
  });

  it('containers another devenv.yml that still exists made are another checkout: up refuses, naming it; a moved one is ours', () => {
    const project = demoProject();
    const state = upObserved(project);
    const made = (name: string, file: string) => ({ ...state.containers.find((c) => c.name === name)!, labels: { ...state.containers.find((c) => c.name === name)!.labels, [LABELS.configFile]: file } });
    const containers = [made('demo-db', '/src/other/devenv.yml'), made('demo-app', '/src/other/devenv.yml'), made('demo-cache', '/src/moved/devenv.yml'), made('demo-db', '/src/demo/devenv.yml')];
    const others = otherCheckoutsOf(project, containers, (file) => file === '/src/other/devenv.yml');
    expect(others).toEqual([{ file: '/src/other/devenv.yml', containers: ['demo-app', 'demo-db'] }]);
    const refusals: DevenvError[] = [];
    planUp(project, { ...state, otherCheckouts: others }, { onRefusal: (e) => refusals.push(e) });
    expect(refusals.map((e) => [e.code, e.message])).toEqual([['NAME_CONFLICT', 'project "demo" is up from another devenv.yml: /src/other/devenv.yml (demo-app, demo-db); nothing was changed']]);
    expect(refusals[0]!.hint).toContain('set `name:` in /src/demo/devenv.yml or pass -p NAME');
    expect(() => planUp(project, state)).not.toThrow();
    // The same file through a link to its folder is this checkout.
    expect(otherCheckoutsOf(project, [made('demo-db', '/link/demo/devenv.yml')], () => true, (f) => f.replace('/link/', '/src/'))).toEqual([]);
  });
});
