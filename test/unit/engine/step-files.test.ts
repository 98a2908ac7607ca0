/** The hash of the files a migration step reads, on a real folder: what changes it and what does not. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessMigration } from '../../../src/config/project.js';
import { stepFilesHash } from '../../../src/engine/plan-migrations.js';

describe('stepFilesHash', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'step-files-'));
    mkdirSync(join(dir, 'migrations', 'nested'), { recursive: true });
    writeFileSync(join(dir, 'migrations', '001_init.js'), 'exports.up = () => {};\n');
    writeFileSync(join(dir, 'migrations', 'nested', 'helper.js'), 'module.exports = 1;\n');
    writeFileSync(join(dir, 'knexfile.js'), 'module.exports = {};\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const step = (inputs?: string[]): ProcessMigration => ({
    kind: 'process', name: 'schema', when: 'always', command: ['npx', 'knex', 'migrate:latest'], cwd: dir, env: {}, ...(inputs ? { inputs: inputs.map((p) => join(dir, p)) } : {}),
  });

  it('changes with a file added, edited or renamed under a folder, or with a named file', async () => {
    const first = await stepFilesHash(step(['migrations', 'knexfile.js']));
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await stepFilesHash(step(['migrations', 'knexfile.js']))).toBe(first);

    writeFileSync(join(dir, 'migrations', '002_add.js'), 'exports.up = () => {};\n');
    const added = await stepFilesHash(step(['migrations', 'knexfile.js']));
    expect(added).not.toBe(first);

    writeFileSync(join(dir, 'migrations', 'nested', 'helper.js'), 'module.exports = 2;\n');
    const edited = await stepFilesHash(step(['migrations', 'knexfile.js']));
    expect(edited).not.toBe(added);

    rmSync(join(dir, 'migrations', '002_add.js'));
    writeFileSync(join(dir, 'migrations', '003_add.js'), 'exports.up = () => {};\n');
    expect(await stepFilesHash(step(['migrations', 'knexfile.js']))).not.toBe(edited);

    const before = await stepFilesHash(step(['migrations', 'knexfile.js']));
    writeFileSync(join(dir, 'knexfile.js'), 'module.exports = { client: "pg" };\n');
    expect(await stepFilesHash(step(['migrations', 'knexfile.js']))).not.toBe(before);
  });

  it('leaves out node_modules, .git and .devenv, and is undefined without inputs or when one is missing', async () => {
    const first = await stepFilesHash(step(['.']));
    for (const skipped of ['node_modules', '.git', '.devenv']) {
      mkdirSync(join(dir, skipped), { recursive: true });
      writeFileSync(join(dir, skipped, 'x.js'), 'changed\n');
    }
    expect(await stepFilesHash(step(['.']))).toBe(first);
    expect(await stepFilesHash(step())).toBeUndefined();
    expect(await stepFilesHash(step(['migrations', 'gone.js']))).toBeUndefined();
  });
});

describe('stepFilesHash and links', () => {
  it('does not follow a link to a folder (it could lead back up), and counts a link to a file as that file', async () => {
    const { symlinkSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'step-links-'));
    try {
      mkdirSync(join(dir, 'migrations'));
      writeFileSync(join(dir, 'migrations', '001.sql'), 'select 1;\n');
      symlinkSync('.', join(dir, 'migrations', 'a'));
      symlinkSync('.', join(dir, 'migrations', 'b'));
      writeFileSync(join(dir, 'shared.sql'), 'select 2;\n');
      symlinkSync(join(dir, 'shared.sql'), join(dir, 'migrations', '002.sql'));
      const m: ProcessMigration = { kind: 'process', name: 's', when: 'always', command: ['x'], cwd: dir, env: {}, inputs: [join(dir, 'migrations')] };
      const first = await stepFilesHash(m);
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      writeFileSync(join(dir, 'shared.sql'), 'select 3;\n');
      expect(await stepFilesHash(m)).not.toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
