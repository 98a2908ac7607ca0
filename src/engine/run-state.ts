/**
 * What devenv remembers between runs in .devenv/state.json: the containers a failed `up` kept for
 * their logs (the next `up` replaces those rather than starting them again, and says why), and what
 * each migration step last succeeded with (the next `up` skips a step whose inputs are unchanged).
 */
import path from 'node:path';
import { devenvDir, ensureDevenvDir, readJsonFile, writeFileAtomic } from '../util/devenv-dir.js';

export interface FailedContainer {
  containerId: string;
  /** Why it failed, e.g. "exited with code 3". */
  reason: string;
}

/** What a migration step last succeeded with, so an `up` whose inputs are the same can skip it. */
export interface MigrationRecord {
  /** Hash of what the step runs: its image, command, env and mounts, or its SQL files. */
  inputs: string;
  /** The databases' volumes it ran against, as name@volume-id: a new volume runs it again. */
  volumes: string;
  /** A short hash of each part of `inputs` (image, command, env, mounts, when), so a plan can say which changed; records from before have none. */
  parts?: Record<string, string>;
}

export interface LocalState {
  /** "<project>/<service>" → the container a failed run kept. */
  failed: Record<string, FailedContainer>;
  /** "<project>/<step>" → its last success. */
  migrations: Record<string, MigrationRecord>;
}

const file = (dir: string) => path.join(devenvDir(dir), 'state.json');

export function readLocalState(dir: string): LocalState {
  const value = readJsonFile(file(dir)) as Partial<LocalState> | undefined;
  const map = <T>(v: unknown): Record<string, T> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, T>) : {});
  return { failed: map(value?.failed), migrations: map(value?.migrations) };
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

/** The key of a migration step's record in `migrations`. */
export const migrationKey = (project: string, step: string) => `${project}/${step}`;

/**
 * Forgets what devenv recorded as run on a database that was replaced (reset, restore): the steps
 * named, or every step of the project; the next `up` runs them again.
 */
export function forgetMigrations(dir: string, project: string, steps?: string[]): void {
  const keys = steps?.map((step) => migrationKey(project, step));
  updateLocalState(dir, (local) => {
    for (const key of Object.keys(local.migrations)) {
      if (keys ? keys.includes(key) : key.startsWith(migrationKey(project, ''))) delete local.migrations[key];
    }
  });
}
