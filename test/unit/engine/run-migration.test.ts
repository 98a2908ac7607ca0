import { describe, expect, it } from 'vitest';
import type { ContainerService, RunMigration } from '../../../src/config/project.js';
import { failureExcerpt, networkHostOf } from '../../../src/engine/run-migration.js';
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

describe('failureExcerpt', () => {
  it('puts the lines that say what failed before a tail that holds only a stack and a dumped error object', () => {
    const dump = ['    at Parser.parseErrorMessage (/app/node_modules/pg-protocol/dist/parser.js:283:98)', '{', "  length: 113,", "  severity: 'ERROR',", "  code: '42P01',", ...Array.from({ length: 40 }, (_, i) => `  field${i}: undefined,`), '}'];
    const lines = ['query: SELECT * FROM "migrations"', 'query failed: ALTER TABLE "no_such_table" ADD "x" int', 'error: error: relation "no_such_table" does not exist', 'Error during migration run:', 'QueryFailedError: relation "no_such_table" does not exist', ...dump];
    const excerpt = failureExcerpt(lines, 10);
    expect(excerpt.slice(0, 4)).toEqual(['error: error: relation "no_such_table" does not exist', 'Error during migration run:', 'QueryFailedError: relation "no_such_table" does not exist', '…']);
    expect(excerpt.slice(4)).toEqual(lines.slice(-10));
  });

  it('is the tail alone when the tail says it, or nothing before it does', () => {
    expect(failureExcerpt(['Error: an earlier warning-ish line', 'x', 'y', 'TypeError: boom'], 2)).toEqual(['y', 'TypeError: boom']);
    expect(failureExcerpt(['one', 'two', 'three'], 2)).toEqual(['two', 'three']);
  });

  it('does not take a notice about something skipped, or a name with "error" in it, for the error', () => {
    const before = ['NOTICE:  relation "old" does not exist, skipping', 'CREATE TABLE error_log (id int)', 'query failed: INSERT INTO x'];
    expect(failureExcerpt([...before, 'a', 'b'], 2)).toEqual(['query failed: INSERT INTO x', '…', 'a', 'b']);
  });
});
