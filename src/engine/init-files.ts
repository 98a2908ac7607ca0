/**
 * A database volume remembers the postgres.init files it was made with (a hash on its label): they run
 * only on a new volume, so an edit to one is pointed out instead of silently not applying.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { PostgresService } from '../config/project.js';
import { LABELS } from './labels.js';

/** A hash of the init files' names and contents, in order (of none, too: files added later count as a change). */
export function initFilesHash(db: PostgresService): string {
  const hash = createHash('sha256');
  for (const file of db.init) {
    hash.update(`${basename(file)}\0`);
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('\0unreadable');
    }
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Whether a database volume was made with other init files than those hashed `now` (one made before devenv labelled it: unknown, so no). */
export function initFilesChanged(volume: { labels: Record<string, string> } | undefined, now: string | undefined): boolean {
  const made = volume?.labels[LABELS.initHash];
  return made !== undefined && now !== undefined && made !== now;
}

/** What to tell a user whose volume was made with other init files than devenv.yml's now. */
export const INIT_CHANGED = 'its init files changed since its volume was made: they run only on a new volume (`devenv down --volumes` then `devenv up` runs them; `db reset` does not)';
