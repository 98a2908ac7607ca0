import { describe, expect, it } from 'vitest';
import { printPlan } from '../../../src/engine/plan.js';
import { planDown } from '../../../src/engine/plan-down.js';
import { demoProject, upObserved } from './fixtures.js';
import { LABELS } from '../../../src/engine/labels.js';

describe('planDown', () => {
  it('removes containers, then the network, and keeps volumes and images by default', () => {
    const observed = upObserved(demoProject());
    expect(printPlan(planDown('demo', observed))).toBe(`\
[] -> #1 container:db remove (down)
[] -> #2 container:cache remove (down)
[] -> #3 container:app remove (down)
[1,2,3] -> #4 network:demo-net remove (down)`);
  });

  it('deletes volumes and built images only when asked', () => {
    const plan = printPlan(planDown('demo', upObserved(demoProject()), { volumes: true, images: true }));
    expect(plan).toContain('[1,2,3] -> #5 volume:demo-db-data remove (--volumes)');
    expect(plan).toContain('[1,2,3] -> #6 image:demo-app:devenv remove (--images)');
  });

  it('for the services an attached up owned: migration one-offs it left go only when asked (its watchdog asks); a devenv run stays', () => {
    const observed = upObserved(demoProject());
    const migration = { ...observed.containers[2]!, id: 'm1', name: 'demo-migrate-seed', labels: { ...observed.containers[2]!.labels, [LABELS.role]: 'migration' } };
    // A `devenv run` in another terminal is not the dead up's.
    const run = { ...observed.containers[2]!, id: 'r1', name: 'demo-run-app-1', labels: { ...observed.containers[2]!.labels, [LABELS.role]: 'oneoff' } };
    const withLeftover = { ...observed, containers: [...observed.containers, migration, run] };
    const owned = new Set(['app']);
    expect(printPlan(planDown('demo', withLeftover, { onlyServices: owned }))).toBe('[] -> #1 container:app remove (stopping what this up started)');
    expect(printPlan(planDown('demo', withLeftover, { onlyServices: owned, oneOffs: true }))).toBe(`\
[] -> #1 container:app remove (stopping what this up started)
[] -> #2 container:demo-migrate-seed remove (stopping what this up started)`);
  });

  it('after a failed up removes only what that run created, and keeps the network others still use', () => {
    const observed = upObserved(demoProject());
    const plan = printPlan(planDown('demo', observed, { onlyContainers: new Set([observed.containers[2]!.id]) }));
    expect(plan).toBe('[] -> #1 container:app remove (started by this run)');
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
[] -> #2 container:app remove (started by this run)
[1,2] -> #3 volume:demo-db-data remove (created by this run, database never initialised)`);
  });
});
