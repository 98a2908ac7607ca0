/** The .sql files of a `sql:` migration folder, in the order they are applied. */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DevenvError } from '../errors.js';

export interface SqlFile {
  /** File name only, e.g. "002_users.sql". */
  file: string;
  /** The text sent to Postgres (a leading UTF-8 byte order mark removed). */
  sql: string;
  /** sha256 of the file's bytes, hex. */
  checksum: string;
}

/**
 * Regular files ending in .sql directly in dir (not recursive), sorted by plain string comparison
 * (not locale, not numeric), so 001_ < 002_ < 010_ and the order is the same on every machine.
 */
export async function readSqlFiles(migrationName: string, dir: string): Promise<SqlFile[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new DevenvError('MIGRATION_FAILED', `migration "${migrationName}": cannot read the folder ${dir}`, {
      hint: `Check \`sql:\` of migration "${migrationName}" in devenv.yml.`,
      cause: error,
    });
  }
  const names = entries
    .filter((e) => e.isFile() && e.name.endsWith('.sql'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    names.map(async (file) => {
      const bytes = await readFile(join(dir, file));
      const checksum = createHash('sha256').update(bytes).digest('hex');
      return { file, sql: bytes.toString('utf8').replace(/^\uFEFF/, ''), checksum };
    }),
  );
}
