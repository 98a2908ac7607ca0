import { describe, expect, it } from 'vitest';
import { printPlan } from '../../../src/engine/plan.js';
import { planStepImages } from '../../../src/engine/plan-images.js';
import { demoProject, emptyObserved, regroup, runningContainer, upObserved } from './fixtures.js';

describe('planStepImages (db reset)', () => {
  it('rebuilds the image a run: step runs in when its build context changed, and names who still runs the old one', () => {
    const project = demoProject();
    const { plan, stale } = planStepImages(project, regroup({ ...upObserved(project), contextHashes: { app: 'ctx2' } }, project), project.migrations);
    expect(printPlan(plan)).toBe('[] -> #1 image:app build (build context changed: server.js)');
    expect(stale).toEqual(['app']);
  });

  it('plans nothing when the image is current, or for sql: steps alone', () => {
    const project = demoProject();
    expect(planStepImages(project, regroup(upObserved(project), project), project.migrations)).toMatchObject({ plan: { steps: [] }, stale: [] });
    expect(planStepImages(project, emptyObserved(), project.migrations.filter((m) => m.kind === 'sql')).plan.steps).toEqual([]);
  });

  it('a service sharing app\'s build: app\'s image is built, and both run the old one until up', () => {
    const project = demoProject();
    const app = project.services.find((s) => s.name === 'app')!;
    if (app.kind !== 'container') throw new Error('fixture');
    project.services.push({ ...app, name: 'tools', build: undefined, buildFrom: 'app', ports: [], health: { type: 'none' } });
    const steps = [{ kind: 'run' as const, name: 'seed', when: 'always' as const, service: 'tools', command: ['npm', 'run', 'seed'] }];
    const observed = { ...upObserved(project), contextHashes: { app: 'ctx2' } };
    observed.containers.push(runningContainer(project, 'tools', 'running'));
    const { plan, stale } = planStepImages(project, regroup(observed, project), steps);
    expect(printPlan(plan)).toBe('[] -> #1 image:app build (build context changed: server.js)');
    expect(stale.sort()).toEqual(['app', 'tools']);
  });
});
