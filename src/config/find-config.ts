import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DevenvError } from '../errors.js';

const CONFIG_NAMES = ['devenv.yml', 'devenv.yaml'];

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The nearest devenv.yml (or devenv.yaml) in cwd or one of its parents. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = path.resolve(cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const candidate = path.join(dir, name);
      if (isFile(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function searchedFolders(cwd: string): string[] {
  const folders: string[] = [];
  let dir = path.resolve(cwd);
  for (;;) {
    folders.push(dir);
    const parent = path.dirname(dir);
    if (parent === dir) return folders;
    dir = parent;
  }
}

/** The absolute path of the config file to load: `-f` when given, else the search from cwd. */
export function resolveConfigFile(file: string | undefined, cwd: string): string {
  if (file !== undefined) {
    const absolute = path.resolve(cwd, file);
    if (isFile(absolute)) return absolute;
    const reason = existsSync(absolute) ? 'is not a file' : 'does not exist';
    throw new DevenvError('CONFIG_NOT_FOUND', `${file} ${reason} (looked for ${absolute})`, {
      // `devenv logs -f app` is a Compose habit: here -f names the file.
      hint: 'pass the path of a devenv.yml with -f/--file',
    });
  }
  const found = findConfigFile(cwd);
  if (found !== undefined) return found;
  const folders = searchedFolders(cwd);
  throw new DevenvError('CONFIG_NOT_FOUND', `no devenv.yml found in ${path.resolve(cwd)} or its parent folders`, {
    details: folders.map((folder) => `searched ${folder}`),
    hint: 'run devenv in a folder holding devenv.yml, or pass one with -f/--file',
  });
}
