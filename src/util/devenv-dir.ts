/**
 * The project's .devenv/ folder: generated passwords, remembered ports, logs and run state.
 * It is private (0700, files 0600), never followed through a symlink, and its files are replaced
 * atomically (written beside, then renamed), so a crash never leaves half a file.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { DevenvError } from '../errors.js';

export function devenvDir(projectDir: string): string {
  return path.join(projectDir, '.devenv');
}

/** Creates .devenv/ (0700, with a .gitignore of "*") if needed; refuses a symlink in its place. */
export function ensureDevenvDir(projectDir: string): string {
  const dir = devenvDir(projectDir);
  refuseSymlink(dir);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A folder made by an older devenv (or by hand) may be readable by others: it holds passwords.
  else if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  const ignore = path.join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileAtomic(ignore, '*\n');
  return dir;
}

/** Throws when `file` is a symbolic link: devenv never writes (or reads secrets) through one. */
export function refuseSymlink(file: string): void {
  let isLink = false;
  try {
    isLink = lstatSync(file).isSymbolicLink();
  } catch {
    return; // missing: fine
  }
  if (isLink) {
    throw new DevenvError('CONFIG_INVALID', `${file} is a symbolic link; devenv does not follow links inside .devenv/`, {
      hint: 'Remove the link (devenv recreates what it needs).',
    });
  }
}

/** A JSON file's value, or undefined when it is missing or unreadable. */
export function readJsonFile(file: string): unknown {
  try {
    refuseSymlink(file);
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Writes `content` to `file` so that readers see the old or the new file, never half of one. Mode 0600
 * (devenv's own state); a file meant to be shared and committed passes 0o644 (less the umask).
 */
export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  refuseSymlink(file);
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Appends to a log file (created 0600), never through a symlink: opening one fails (O_NOFOLLOW). */
export function appendPrivate(file: string, text: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
