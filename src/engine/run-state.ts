/**
 * What devenv remembers between runs in .devenv/state.json: the containers a failed `up` kept for
 * their logs. The next `up` replaces those rather than starting them again, and says why.
 */
import path from 'node:path';
import { devenvDir, ensureDevenvDir, readJsonFile, writeFileAtomic } from '../util/devenv-dir.js';

export interface FailedContainer {
  containerId: string;
  /** Why it failed, e.g. "exited with code 3". */
  reason: string;
}

export interface LocalState {
  /** "<project>/<service>" → the container a failed run kept. */
  failed: Record<string, FailedContainer>;
}

const file = (dir: string) => path.join(devenvDir(dir), 'state.json');

export function readLocalState(dir: string): LocalState {
  const value = readJsonFile(file(dir)) as Partial<LocalState> | undefined;
  const failed = value?.failed;
  return { failed: failed && typeof failed === 'object' && !Array.isArray(failed) ? failed : {} };
}

/** Applies `change` to the stored state and writes it back. Never throws: this state is a convenience. */
export function updateLocalState(dir: string, change: (state: LocalState) => void): void {
  try {
    const state = readLocalState(dir);
    const before = JSON.stringify(state);
    change(state);
    if (JSON.stringify(state) === before) return;
    ensureDevenvDir(dir);
    writeFileAtomic(file(dir), `${JSON.stringify(state, null, 2)}\n`);
  } catch {
    // A read-only project folder: the next up starts a kept container instead of replacing it.
  }
}

export const stateKey = (project: string, service: string) => `${project}/${service}`;
