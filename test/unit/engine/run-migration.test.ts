import { describe, expect, it } from 'vitest';
import type { ContainerService, RunMigration } from '../../../src/config/project.js';
import { networkHostOf } from '../../../src/engine/run-migration.js';
import { demoProject } from './fixtures.js';

describe('networkHostOf', () => {
  const project = demoProject();
  const app = project.services.find((s) => s.name === 'app') as ContainerService;
  const seed = project.migrations.find((m) => m.kind === 'run') as RunMigration;

  it('shares the namespace of the Postgres service the step’s service depends on', () => {
    expect(networkHostOf(project, seed, app)).toBe('db');
  });

  it('prefers the database the step names', () => {
    const two = { ...project, services: [...project.services, { ...project.services[0]!, name: 'analytics' }] };
    expect(networkHostOf(two, { ...seed, database: 'analytics' }, app)).toBe('analytics');
  });

  it('joins the project network when the service depends on no database (a cache is not one)', () => {
    expect(networkHostOf(project, seed, { ...app, dependsOn: [{ service: 'cache', condition: 'healthy' }] })).toBeUndefined();
  });
});
