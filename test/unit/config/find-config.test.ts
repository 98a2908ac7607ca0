import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile, loadProject } from '../../../src/config/load-project.js';
import { tempProject } from './helpers.js';

describe('finding devenv.yml', () => {
  it('searches the working directory and its parents, accepting devenv.yaml', () => {
    const dir = tempProject({ 'devenv.yml': 'x', 'a/b/c/': '', 'a/devenv.yaml': 'y' });
    expect(findConfigFile(dir)).toBe(path.join(dir, 'devenv.yml'));
    expect(findConfigFile(path.join(dir, 'a/b/c'))).toBe(path.join(dir, 'a/devenv.yaml'));
  });

  it('prefers devenv.yml over devenv.yaml and ignores a folder named devenv.yml', () => {
    const dir = tempProject({ 'devenv.yml/': '', 'devenv.yaml': 'y', 'sub/devenv.yml': 'a', 'sub/devenv.yaml': 'b' });
    expect(findConfigFile(dir)).toBe(path.join(dir, 'devenv.yaml'));
    expect(findConfigFile(path.join(dir, 'sub'))).toBe(path.join(dir, 'sub/devenv.yml'));
  });

  it('loads from a subfolder, resolving paths against the file', async () => {
    const dir = tempProject({ 'devenv.yml': 'services:\n  a: { build: . }\n', Dockerfile: 'FROM x', 'src/deep/': '' });
    const project = await loadProject({ cwd: path.join(dir, 'src/deep'), env: {}, persistSecrets: false });
    expect(project.file).toBe(path.join(dir, 'devenv.yml'));
    expect(project.dir).toBe(dir);
    expect(project.name).toBe('shop');
  });

  it('CONFIG_NOT_FOUND names the folders searched and hints -f', async () => {
    const dir = tempProject({ 'empty/': '' }, 'nothing-here');
    const cwd = path.join(dir, 'empty');
    // The temp folder's parents must not hold a devenv.yml for this test to mean anything.
    if (findConfigFile(cwd) !== undefined) return;
    const error = await loadProject({ cwd, env: {}, persistSecrets: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_NOT_FOUND', message: `no devenv.yml found in ${cwd} or its parent folders` });
    const { details, hint } = error as { details: string[]; hint: string };
    expect(details[0]).toBe(`searched ${cwd}`);
    expect(details[1]).toBe(`searched ${dir}`);
    expect(details.at(-1)).toBe('searched /');
    expect(hint).toMatch(/-f\/--file/);
  });

  it('CONFIG_NOT_FOUND for a missing or non-file -f', async () => {
    const dir = tempProject({ 'folder/': '' });
    await expect(loadProject({ cwd: dir, file: 'nope.yml', env: {}, persistSecrets: false })).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      message: `nope.yml does not exist (looked for ${path.join(dir, 'nope.yml')})`,
    });
    await expect(loadProject({ cwd: dir, file: 'folder', env: {}, persistSecrets: false })).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      message: `folder is not a file (looked for ${path.join(dir, 'folder')})`,
    });
  });
});
