import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSending } from '../../../src/cli/build-context-note.js';
import type { Project } from '../../../src/config/project.js';
import { tempDir } from '../../helpers/temp.js';
import { demoProject } from '../engine/fixtures.js';

/** The demo project with app built from a real folder. */
function projectIn(dir: string): Project {
  const project = demoProject();
  const app = project.services.find((s) => s.name === 'app')!;
  if (app.kind !== 'container') throw new Error('fixture');
  app.build = { context: dir, dockerfile: 'Dockerfile', args: {} };
  return project;
}

describe('buildSending', () => {
  it('names the service whose build context would send a file, until .dockerignore leaves it out', async () => {
    const dir = tempDir('note');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM node:20\nCOPY . .\n');
    expect(await buildSending(projectIn(dir), join(dir, '.env'))).toBe('app');
    expect(await buildSending(projectIn(dir), join(dir, 'dumps', 'x.sql'))).toBe('app');
    writeFileSync(join(dir, '.dockerignore'), '.env\ndumps\n');
    expect(await buildSending(projectIn(dir), join(dir, '.env'))).toBeUndefined();
    expect(await buildSending(projectIn(dir), join(dir, 'dumps', 'x.sql'))).toBeUndefined();
    mkdirSync(join(dir, '..', 'elsewhere'), { recursive: true });
    expect(await buildSending(projectIn(dir), join(dir, '..', 'elsewhere', 'x.sql'))).toBeUndefined();
  });
});
