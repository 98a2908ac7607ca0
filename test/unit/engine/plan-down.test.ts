import { describe, expect, it } from 'vitest';
import { printPlan } from '../../../src/engine/plan.js';
import { planDown } from '../../../src/engine/plan-down.js';
import { demoProject, upObserved } from './fixtures.js';
import { LABELS } from '../../../src/engine/labels.js';

describe('planDown', () => {
  it('stops the containers, then removes them and the network together, and keeps volumes and images by default', () => {
    const observed = upObserved(demoProject());
    // A stopped container holds no endpoint: the network need not wait for the removals.
    expect(printPlan(planDown('demo', observed))).toBe(`\
[] -> #1 container:db stop (down)
[1] -> #2 container:db remove (down)
[] -> #3 container:cache stop (down)
[3] -> #4 container:cache remove (down)
[] -> #5 container:app stop (down)
[5] -> #6 container:app remove (down)
[1,3,5] -> #7 network:demo-net remove (down)`);
  });

  it('removes a container that is not running without a stop', () => {
    const observed = upObserved(demoProject());
    const exited = { ...observed, containers: observed.containers.map((c, i) => (i === 2 ? { ...c, state: 'exited' as const } : c)) };
    expect(printPlan(planDown('demo', exited, { onlyContainers: new Set([exited.containers[2]!.id]) }))).toBe('[] -> #1 container:app remove (started by this run)');
  });

  it('deletes volumes and built images only when asked, after the containers are gone', () => {
    const plan = printPlan(planDown('demo', upObserved(demoProject()), { volumes: true, images: true }));
    expect(plan).toContain('[2,4,6] -> #8 volume:demo-db-data remove (--volumes)');
    expect(plan).toContain('[2,4,6] -> #9 image:demo-app:devenv remove (--images)');
  });

  it('for the services an attached up owned: migration one-offs it left go only when asked (its watchdog asks); a devenv run stays', () => {
    const observed = upObserved(demoProject());
    const migration = { ...observed.containers[2]!, id: 'm1', name: 'demo-migrate-seed', labels: { ...observed.containers[2]!.labels, [LABELS.role]: 'migration' } };
    // A `devenv run` in another terminal is not the dead up's.
    const run = { ...observed.containers[2]!, id: 'r1', name: 'demo-run-app-1', labels: { ...observed.containers[2]!.labels, [LABELS.role]: 'oneoff' } };
    const withLeftover = { ...observed, containers: [...observed.containers, migration, run] };
    const owned = new Set(['app']);
    expect(printPlan(planDown('demo', withLeftover, { onlyServices: owned }))).toBe(`\
[] -> #1 container:app stop (the attached up that runs it is ending)
[1] -> #2 container:app remove (the attached up that runs it is ending)`);
    expect(printPlan(planDown('demo', withLeftover, { onlyServices: owned, oneOffs: true }))).toBe(`\
[] -> #1 container:app stop (the attached up that runs it is ending)
[1] -> #2 container:app remove (the attached up that runs it is ending)
[] -> #3 container:demo-migrate-seed stop (the attached up that runs it is ending)
[3] -> #4 container:demo-migrate-seed remove (the attached up that runs it is ending)`);
  });

  it('after a failed up removes only what that run created, and keeps the network others still use', () => {
    const observed = upObserved(demoProject());
    const plan = printPlan(planDown('demo', observed, { onlyContainers: new Set([observed.containers[2]!.id]) }));
    expect(plan).toBe(`\
[] -> #1 container:app stop (started by this run)
[1] -> #2 container:app remove (started by this run)`);
  });

  it('after a failed first up kills what never became ready and drops the volume of a database that never initialised', () => {
    const observed = upObserved(demoProject());
    const [db, , app] = observed.containers;
    const plan = printPlan(planDown('demo', observed, {
      onlyContainers: new Set([db!.id, app!.id]),
      kill: new Set([db!.id]),
      volumes: new Set(['demo-db-data']),
    }));
    expect(plan).toBe(`\
[] -> #1 container:db remove (never became ready; killed)
[] -> #2 container:app stop (started by this run)
[2] -> #3 container:app remove (started by this run)
[1,3] -> #4 volume:demo-db-data remove (created by this run, holds no data yet)`);
  });
});
