import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DevenvError } from '../errors.js';
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
  if (!existsSync(file)) return { passwords: {} };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets> | null;
    const passwords = parsed?.passwords;
    if (passwords === null || typeof passwords !== 'object' || Array.isArray(passwords)) throw new Error('no "passwords" map');
    return { passwords: Object.fromEntries(Object.entries(passwords).filter(([, v]) => typeof v === 'string')) as Record<string, string> };
  } catch (error) {
    throw new DevenvError('CONFIG_INVALID', `${file} is not a valid secrets file: ${(error as Error).message}`, {
      hint: 'repair it, or delete it to generate new passwords (an existing database volume keeps the old password: remove it with devenv down --volumes)',
      cause: error,
    });
  }
}

function writeSecrets(dir: string, secrets: Secrets): void {
  const folder = path.join(dir, '.devenv');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, '.gitignore'), '*\n');
  const file = secretsFile(dir);
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  // mode applies only when the file is created; tighten an existing one too.
  chmodSync(file, 0o600);
}

/**
 * Fills the Postgres passwords left empty by devenv.yml: from secrets.json when stored, else generated
 * and (with persist) saved. Without persist nothing is written and a missing password stays "".
 */
export function applySecrets(project: Project, persist: boolean): void {
  const missing = project.services.filter((s) => s.kind === 'postgres' && s.passwordGenerated);
  if (missing.length === 0) return;
  const secrets = readSecrets(project.dir);
  let changed = false;
  for (const service of missing) {
    if (service.kind !== 'postgres') continue;
    const stored = secrets.passwords[service.name];
    if (stored !== undefined && stored !== '') service.password = stored;
    else if (persist) {
      service.password = generatePassword();
      secrets.passwords[service.name] = service.password;
      changed = true;
    }
  }
  if (changed) writeSecrets(project.dir, secrets);
}
