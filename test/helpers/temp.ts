/**
 * Temporary folders for tests. They live under one folder per test run (made and removed by
 * test/global-setup.ts), so nothing a test writes outlives the run, even when the test forgets.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { inject } from 'vitest';
import { repoRoot } from './paths.js';

/** A new empty folder, e.g. tempDir('sql') → …/devenv-tests-Ab12/sql-Xy34. */
export function tempDir(prefix = 'tmp'): string {
  // Outside vitest's global setup (a test file run on its own by another tool) the system's tmpdir serves.
  let root: string;
  try {
    root = inject('tempRoot') ?? tmpdir();
  } catch {
    root = tmpdir();
  }
  return mkdtempSync(join(root, `${prefix}-`));
}

/**
 * A private copy of a project folder of this repository (an example or a fixture), so a run writes
 * its .devenv/ (generated passwords, ports, logs) into the copy and never into the repository.
 * Returns the copy's folder; its devenv.yml is `${dir}/devenv.yml`.
 */
export function copyProject(repoPath: string): string {
  const source = join(repoRoot, repoPath);
  const dir = join(tempDir(basename(repoPath)), basename(repoPath));
  cpSync(source, dir, {
    recursive: true,
    // A developer's own runs may have left these in the source; a new user's clone has none.
    filter: (path) => !/(^|\/)(\.devenv|node_modules)(\/|$)/.test(relative(source, path)),
  });
  return dir;
}
