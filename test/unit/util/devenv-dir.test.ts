import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appendPrivate, ensureDevenvDir, writeFileAtomic } from '../../../src/util/devenv-dir.js';

const dirs: string[] = [];
const project = () => {
  const dir = mkdtempSync(join(tmpdir(), 'devenv-dir-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('.devenv/', () => {
  it('is made 0700 with a .gitignore, and an existing one readable by others is tightened', () => {
    const dir = project();
    const devenv = ensureDevenvDir(dir);
    expect(statSync(devenv).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(devenv, '.gitignore'), 'utf8')).toBe('*\n');
    chmodSync(devenv, 0o755);
    ensureDevenvDir(dir);
    expect(statSync(devenv).mode & 0o777).toBe(0o700);
  });

  it('refuses to be a symlink', () => {
    const dir = project();
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, '.devenv'));
    expect(() => ensureDevenvDir(dir)).toThrow(/\.devenv is a symbolic link/);
  });

  it('files are written 0600, atomically, and never through a symlink', () => {
    const dir = project();
    const devenv = ensureDevenvDir(dir);
    writeFileAtomic(join(devenv, 'state.json'), '{}');
    expect(statSync(join(devenv, 'state.json')).mode & 0o777).toBe(0o600);
    writeFileSync(join(dir, 'target'), 'untouched');
    symlinkSync(join(dir, 'target'), join(devenv, 'ports.json'));
    expect(() => writeFileAtomic(join(devenv, 'ports.json'), '{}')).toThrow(/symbolic link/);
    symlinkSync(join(dir, 'target'), join(devenv, 'app.log'));
    expect(() => appendPrivate(join(devenv, 'app.log'), 'line\n')).toThrow(/ELOOP/);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('untouched');
    appendPrivate(join(devenv, 'web.log'), 'one\n');
    appendPrivate(join(devenv, 'web.log'), 'two\n');
    expect(readFileSync(join(devenv, 'web.log'), 'utf8')).toBe('one\ntwo\n');
    expect(statSync(join(devenv, 'web.log')).mode & 0o777).toBe(0o600);
  });
});
