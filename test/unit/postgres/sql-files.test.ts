import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSqlFiles } from '../../../src/postgres/sql-files.js';
import { tempDir } from '../../helpers/temp.js';

const fixtures = fileURLToPath(new URL('../../fixtures/postgres/', import.meta.url));

describe('readSqlFiles', () => {
  it('lists only .sql files of the folder itself, in plain string order', async () => {
    const files = await readSqlFiles('order', join(fixtures, 'ordering'));
    expect(files.map((f) => f.file)).toEqual([
      '002_create_log.sql',
      '010_append.sql',
      '011_comment_only.sql',
      '012_empty.sql',
      '1_last.sql',
    ]);
  });

  it('checksums the file bytes with sha256', async () => {
    const [first] = await readSqlFiles('seed', join(fixtures, 'basic'));
    const bytes = await readFile(join(fixtures, 'basic', '001_create_users.sql'));
    expect(first?.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(first?.sql).toBe(bytes.toString('utf8'));
  });

  it('sorts upper case before lower case, as a byte comparison would, whatever the locale', async () => {
    const dir = tempDir('devenv-sql-files');
    try {
      for (const name of ['b.sql', 'B.sql', 'a.sql', '_x.sql', 'a.SQL']) await writeFile(join(dir, name), '');
      expect((await readSqlFiles('m', dir)).map((f) => f.file)).toEqual(['B.sql', '_x.sql', 'a.sql', 'b.sql']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('drops a byte order mark from the text but not from the checksum', async () => {
    const dir = tempDir('devenv-sql-files');
    try {
      await writeFile(join(dir, '001.sql'), '\uFEFFSELECT 1;');
      const [file] = await readSqlFiles('m', dir);
      expect(file?.sql).toBe('SELECT 1;');
      expect(file?.checksum).toBe(createHash('sha256').update('\uFEFFSELECT 1;').digest('hex'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with MIGRATION_FAILED naming the folder and the devenv.yml field when it is missing', async () => {
    const dir = join(tempDir('sql-files'), 'no-such-folder');
    await expect(readSqlFiles('seed', dir)).rejects.toMatchObject({
      code: 'MIGRATION_FAILED',
      message: `migration "seed": cannot read the folder ${dir}`,
      hint: 'Check `sql:` of migration "seed" in devenv.yml.',
    });
  });
});
