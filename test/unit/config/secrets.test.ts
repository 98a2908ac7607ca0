import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load-project.js';
import { saveGeneratedPasswords } from '../../../src/config/secrets.js';
import { postgres, tempProject } from './helpers.js';

const yaml = `services:
  db: { postgres: {} }
  other: { postgres: { password: "\${OTHER_PASSWORD:-}" } }
  fixed: { postgres: { password: given } }
`;

describe('generated Postgres passwords', () => {
  it('are generated when none is stored, marked unsaved (the engine side saves them), and reused once saved', async () => {
    const dir = tempProject({ 'devenv.yml': yaml });
    const first = await loadProject({ cwd: dir, env: {}, persistSecrets: true });
    const password = postgres(first, 'db').password;
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(postgres(first, 'db')).toMatchObject({ passwordGenerated: true, passwordUnsaved: true });
    expect(postgres(first, 'other').password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(postgres(first, 'other').password).not.toBe(password);
    expect(postgres(first, 'fixed')).toMatchObject({ password: 'given', passwordGenerated: false });
    // The loader writes nothing: whether a database was made with another password is the engine's to say.
    expect(existsSync(path.join(dir, '.devenv'))).toBe(false);

    saveGeneratedPasswords(dir, { db: password, other: postgres(first, 'other').password });
    const file = path.join(dir, '.devenv', 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ passwords: { db: password, other: postgres(first, 'other').password } });
    expect(readFileSync(path.join(dir, '.devenv', '.gitignore'), 'utf8')).toBe('*\n');

    const second = await loadProject({ cwd: dir, env: {}, persistSecrets: true });
    expect(postgres(second, 'db').password).toBe(password);
    expect(postgres(second, 'db').passwordUnsaved).toBeUndefined();
    const readOnly = await loadProject({ cwd: dir, env: {}, persistSecrets: false });
    expect(postgres(readOnly, 'db')).toMatchObject({ password, passwordGenerated: true });
    // A stored password is never replaced by another.
    expect(() => saveGeneratedPasswords(dir, { db: 'other-value' })).toThrow(/refusing to replace the stored password of db/);
  });

  it('secrets.json as a symlink is refused, never read or written through', async () => {
    const dir = tempProject({ 'devenv.yml': yaml });
    mkdirSync(path.join(dir, '.devenv'), { recursive: true });
    writeFileSync(path.join(dir, 'elsewhere.json'), '{"passwords":{"db":"x"}}');
    symlinkSync(path.join(dir, 'elsewhere.json'), path.join(dir, '.devenv', 'secrets.json'));
    await expect(loadProject({ cwd: dir, env: {}, persistSecrets: true })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('is a symbolic link') });
    expect(() => saveGeneratedPasswords(dir, { db: 'y' })).toThrow(/is a symbolic link/);
    expect(readFileSync(path.join(dir, 'elsewhere.json'), 'utf8')).toBe('{"passwords":{"db":"x"}}');
  });

  it('an explicit password (from the environment) wins over the stored one', async () => {
    const dir = tempProject({ 'devenv.yml': yaml });
    await loadProject({ cwd: dir, env: {}, persistSecrets: true });
    const project = await loadProject({ cwd: dir, env: { OTHER_PASSWORD: 'from-env' }, persistSecrets: true });
    expect(postgres(project, 'other')).toMatchObject({ password: 'from-env', passwordGenerated: false });
  });

  it('without persistSecrets nothing is written and the password stays empty', async () => {
    const dir = tempProject({ 'devenv.yml': yaml });
    const project = await loadProject({ cwd: dir, env: {}, persistSecrets: false });
    expect(postgres(project, 'db')).toMatchObject({ password: '', passwordGenerated: true });
    expect(existsSync(path.join(dir, '.devenv'))).toBe(false);
  });

  it('writes nothing when the config is invalid', async () => {
    const dir = tempProject({ 'devenv.yml': `${yaml}  bad: { image: [x] }\n` });
    await expect(loadProject({ cwd: dir, env: {}, persistSecrets: true })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(existsSync(path.join(dir, '.devenv'))).toBe(false);
  });

  it('a corrupt secrets file is an error that says what to do', async () => {
    const dir = tempProject({ 'devenv.yml': yaml });
    mkdirSync(path.join(dir, '.devenv'));
    writeFileSync(path.join(dir, '.devenv', 'secrets.json'), '{not json');
    const error = await loadProject({ cwd: dir, env: {}, persistSecrets: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/secrets\.json:1:2 not valid JSON$/) });
    expect((error as { hint: string }).hint).toMatch(/delete it to generate new passwords/);
  });
});
