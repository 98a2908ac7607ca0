import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DevenvError } from '../errors.js';
import { ensureDevenvDir, refuseSymlink, writeFileAtomic } from '../util/devenv-dir.js';
import type { Project } from './project.js';

/** The shape of <dir>/.devenv/secrets.json. */
export interface Secrets {
  /** Generated Postgres passwords by service name. */
  passwords: Record<string, string>;
}

export function secretsFile(dir: string): string {
  return path.join(dir, '.devenv', 'secrets.json');
}

/** 24 URL-safe characters (18 random bytes). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export function readSecrets(dir: string): Secrets {
  const file = secretsFile(dir);
  refuseSymlink(file);
  if (!existsSync(file)) return { passwords: {} };
  const hint = 'repair it, or delete it to generate new passwords (an existing database volume keeps the old password: remove it with devenv down --volumes)';
  let text: string;
  let parsed: Partial<Secrets> | null;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DevenvError('CONFIG_INVALID', `cannot read ${file}: ${(error as Error).message}`, { hint, cause: error });
  }
  try {
    parsed = JSON.parse(text) as Partial<Secrets> | null;
  } catch (error) {
    // Neither V8's message nor the error as cause: both quote the file, which holds passwords.
    throw new DevenvError('CONFIG_INVALID', `${file}${jsonErrorPlace(text, error)} not valid JSON`, { hint });
  }
  const passwords = parsed !== null && typeof parsed === 'object' ? parsed.passwords : undefined;
  if (passwords === null || typeof passwords !== 'object' || Array.isArray(passwords)) {
    throw new DevenvError('CONFIG_INVALID', `${file}: expected a map with "passwords" (service name → password)`, { hint });
  }
  return { passwords: Object.fromEntries(Object.entries(passwords).filter(([, v]) => typeof v === 'string')) as Record<string, string> };
}

/** ":line:col" where JSON.parse stopped when its message says ("… at position 42"), else ":". */
function jsonErrorPlace(text: string, error: unknown): string {
  const offset = /\bposition (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  if (offset === undefined) return ':';
  const lines = text.slice(0, Number(offset)).split('\n');
  return `:${lines.length}:${(lines[lines.length - 1] ?? '').length + 1}`;
}

/**
 * Saves generated passwords (service → password) beside the ones stored, atomically (0600, never
 * through a symlink). It never replaces a stored password with another.
 */
export function saveGeneratedPasswords(dir: string, passwords: Record<string, string>): void {
  const secrets = readSecrets(dir);
  for (const [service, password] of Object.entries(passwords)) {
    const stored = secrets.passwords[service];
    if (stored !== undefined && stored !== '' && stored !== password) {
      throw new DevenvError('INTERNAL', `refusing to replace the stored password of ${service} in ${secretsFile(dir)}`);
    }
    secrets.passwords[service] = password;
  }
  ensureDevenvDir(dir);
  writeFileAtomic(secretsFile(dir), `${JSON.stringify(secrets, null, 2)}\n`);
}

/**
 * Fills the Postgres passwords left empty by devenv.yml: from secrets.json when stored, else (with
 * persist) generated and marked unsaved: whoever reaches the engine decides whether it may be saved
 * (no database initialised with another one) or the old one must be found. Without persist a missing
 * password stays "".
 */
export function applySecrets(project: Project, persist: boolean): void {
  const missing = project.services.filter((s) => s.kind === 'postgres' && s.passwordGenerated);
  if (missing.length === 0) return;
  const secrets = readSecrets(project.dir);
  for (const service of missing) {
    if (service.kind !== 'postgres') continue;
    const stored = secrets.passwords[service.name];
    if (stored !== undefined && stored !== '') service.password = stored;
    else if (persist) {
      service.password = generatePassword();
      service.passwordUnsaved = true;
    }
  }
}
