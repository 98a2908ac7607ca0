import { describe, expect, it } from 'vitest';
import type { ProcessService } from '../../../src/config/project.js';
import { desiredProcess } from '../../../src/engine/process-spec.js';
import { demoProject } from './fixtures.js';

/** The demo with a host process that reads the database's settings by its own names (DB_HOST…), not DATABASE_URL. */
function withWeb(env: ProcessService['env']) {
  const project = demoProject();
  const web: ProcessService = {
    kind: 'process', name: 'web', dependsOn: [], aliases: [], oneshot: false, command: ['npm', 'run', 'dev'], cwd: '/src/demo', port: 4150,
    env, health: { type: 'none' }, restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000,
  };
  project.services.push(web);
  return { project, web };
}

describe('a host process\'s environment', () => {
  it('gets PG* for the one database it refers to, beneath its own values and outside its hash', () => {
    const { project, web } = withWeb({ DB_HOST: [{ service: 'db', field: 'host' }], PGUSER: ['me'] });
    const desired = desiredProcess(project, web, { db: 47178 }, {});
    expect(desired.spec.env).toMatchObject({ DB_HOST: '127.0.0.1', PGHOST: '127.0.0.1', PGPORT: '47178', PGDATABASE: 'demo', PGPASSWORD: 'secret', PGUSER: 'me' });
    expect(Object.keys(desired.fields).filter((k) => k.startsWith('env.'))).toEqual(['env.DB_HOST', 'env.PGUSER']);
  });

  it('gets none when it refers to no database', () => {
    const { project, web } = withWeb({ PORT: ['4150'] });
    expect(Object.keys(desiredProcess(project, web, { db: 47178 }, {}).spec.env)).toEqual(['PORT']);
  });
});
