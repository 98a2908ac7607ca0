import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostgresService, Project } from '../../../src/config/project.js';
import { DevenvError } from '../../../src/errors.js';
import { LABELS } from '../../../src/engine/labels.js';
import { settleSecrets } from '../../../src/engine/secrets-settle.js';
import { desiredContainer } from '../../../src/engine/service-spec.js';
import { FakeRuntime } from './fake-runtime.js';
import { demoProject } from './fixtures.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** demoProject() in a real folder, its db password freshly generated and not saved. */
function unsavedProject(): { project: Project; db: PostgresService } {
  const dir = mkdtempSync(join(tmpdir(), 'settle-'));
  dirs.push(dir);
  const project = { ...demoProject(), dir };
  const db = project.services.find((s): s is PostgresService => s.kind === 'postgres')!;
  Object.assign(db, { password: 'new-generated', passwordGenerated: true, passwordUnsaved: true });
  return { project, db };
}
const secrets = (project: Project) => JSON.parse(readFileSync(join(project.dir, '.devenv/secrets.json'), 'utf8')) as unknown;

describe('settleSecrets', () => {
  it('a first up saves the generated password, 0600, beside a .gitignore', async () => {
    const { project, db } = unsavedProject();
    await settleSecrets(new FakeRuntime(), project);
    expect(secrets(project)).toEqual({ passwords: { db: 'new-generated' } });
    expect(statSync(join(project.dir, '.devenv/secrets.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(project.dir, '.devenv/.gitignore'), 'utf8')).toBe('*\n');
    expect(db.passwordUnsaved).toBe(false);
  });

  it('secrets.json deleted while the database exists: its password is taken back from its container and saved', async () => {
    const { project, db } = unsavedProject();
    const runtime = new FakeRuntime();
    const spec = desiredContainer(project, db).spec;
    await runtime.createContainer({ ...spec, env: { ...spec.env, POSTGRES_PASSWORD: 'the-real-one' } });
    await settleSecrets(runtime, project);
    expect(db.password).toBe('the-real-one');
    expect(secrets(project)).toEqual({ passwords: { db: 'the-real-one' } });
  });

  it('only the data volume left: stops with a hint that works, and saves nothing', async () => {
    const { project } = unsavedProject();
    const runtime = new FakeRuntime();
    await runtime.createVolume('demo-db-data', { [LABELS.project]: 'demo' });
    const error = await settleSecrets(runtime, project).catch((e: unknown) => e) as DevenvError;
    expect(error).toBeInstanceOf(DevenvError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('db\'s database (volume demo-db-data) was created with a password devenv no longer has');
    expect(error.hint).toContain('set `password:` of db in devenv.yml');
    expect(error.hint).toContain('devenv down --volumes');
    expect(existsSync(join(project.dir, '.devenv/secrets.json'))).toBe(false);
  });

  it('with save: false (up --plan) it finds the password but writes nothing', async () => {
    const { project, db } = unsavedProject();
    await settleSecrets(new FakeRuntime(), project, { save: false });
    expect(db.password).toBe('new-generated');
    expect(existsSync(join(project.dir, '.devenv'))).toBe(false);
  });
});
