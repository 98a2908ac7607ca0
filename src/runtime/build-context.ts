/**
 * The build context as the docker CLI sends it: every file under the folder except what
 * .dockerignore excludes, with the Dockerfile and .dockerignore always included (the CLI adds
 * them back as exceptions). The same file list feeds the tar and the context hash, so a
 * change the engine would see is exactly a change of hash.
 */
import dockerignoreModule from '@balena/dockerignore';
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-fs';
import type { BuildRequest } from './runtime.js';

// A CommonJS `module.exports = factory` whose typings claim an ES default export.
const dockerignore = ((dockerignoreModule as { default?: unknown }).default ?? dockerignoreModule) as typeof dockerignoreModule.default;

export interface ContextEntry {
  /** Relative POSIX path, e.g. "src/index.ts". */
  path: string;
  type: 'file' | 'directory' | 'symlink';
}

const DEVENV_STATE_DIR = '.devenv';

/** Whether a path (relative, POSIX) of the context is sent to the engine, as its .dockerignore says. */
export async function contextFilter(dir: string, dockerfile = 'Dockerfile'): Promise<(path: string) => boolean> {
  const matcher = dockerignore({ ignorecase: false }).add(await readIgnoreFile(dir));
  const always = new Set(['.dockerignore', toPosix(dockerfile).replace(/^\.\//, '')]);
  return (path) => always.has(path) || (!path.split('/').includes(DEVENV_STATE_DIR) && !matcher.ignores(path));
}

/** Included entries, sorted, with every parent directory of an included entry. */
export async function contextEntries(dir: string, dockerfile = 'Dockerfile'): Promise<ContextEntry[]> {
  const patterns = await readIgnoreFile(dir);
  const matcher = dockerignore({ ignorecase: false }).add(patterns);
  const hasExceptions = patterns.some((p) => p.trim().startsWith('!'));
  const always = new Set(['.dockerignore', toPosix(dockerfile).replace(/^\.\//, '')]);
  const found: ContextEntry[] = [];

  async function walk(relativeDir: string): Promise<void> {
    const names = (await readdir(join(dir, relativeDir))).sort();
    for (const name of names) {
      // devenv's own state (passwords, logs, ports) never goes into an image; it changes on every
      // run and would make every build context look changed.
      if (name === DEVENV_STATE_DIR) continue;
      const path = relativeDir ? `${relativeDir}/${name}` : name;
      const stats = await lstat(join(dir, path));
      const ignored = matcher.ignores(path) && !always.has(path);
      if (stats.isDirectory()) {
        // An ignored folder is still walked when an exception ("!dir/keep") may re-include part of it.
        if (!ignored) found.push({ path, type: 'directory' });
        if (!ignored || hasExceptions || [...always].some((kept) => kept.startsWith(`${path}/`))) await walk(path);
      } else if (!ignored && (stats.isFile() || stats.isSymbolicLink())) {
        found.push({ path, type: stats.isFile() ? 'file' : 'symlink' });
      }
    }
  }
  await walk('');

  const included = new Set(found.map((entry) => entry.path));
  for (const entry of [...found]) {
    for (let parent = posix.dirname(entry.path); parent !== '.'; parent = posix.dirname(parent)) {
      if (included.has(parent)) break;
      included.add(parent);
      found.push({ path: parent, type: 'directory' });
    }
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The context as an uncompressed tar stream. */
export async function packBuildContext(dir: string, dockerfile = 'Dockerfile'): Promise<Readable> {
  const entries = await contextEntries(dir, dockerfile);
  const included = new Set(entries.map((entry) => entry.path));
  const topLevel = entries.filter((entry) => !entry.path.includes('/')).map((entry) => entry.path);
  return tar.pack(dir, {
    entries: topLevel,
    // tar-fs walks into included directories; keep only what contextEntries chose.
    ignore: (name) => !included.has(toPosix(relative(dir, name))),
  }) as unknown as Readable;
}

/**
 * sha256 over what decides the image: each included file's path, mode and content (a symlink's
 * target), the Dockerfile path, the target and the build args. Labels and tag are left out:
 * they do not change what gets built.
 */
export async function hashBuildContext(
  request: Pick<BuildRequest, 'context' | 'dockerfile' | 'target' | 'args'>,
  /** When given, filled with each entry's path (a folder's with a trailing /) → a short hash of it, so a later change can be named. */
  manifest?: Record<string, string>,
): Promise<string> {
  const hash = createHash('sha256');
  const field = (value: string | Buffer) => {
    hash.update(`${Buffer.byteLength(value)}:`);
    hash.update(value);
  };
  field(`dockerfile=${toPosix(request.dockerfile)}`);
  field(`target=${request.target ?? ''}`);
  for (const key of Object.keys(request.args).sort()) field(`arg ${key}=${request.args[key]}`);

  const entries = await contextEntries(request.context, request.dockerfile);
  // Reads run a few files ahead of the hash, which consumes them in order.
  const read = (entry: ContextEntry) => {
    const pending = readEntry(request.context, entry);
    pending.catch(() => undefined); // rejected reads are awaited below, in order; no unhandled rejection meanwhile
    return { entry, pending };
  };
  const window: { entry: ContextEntry; pending: Promise<[string, Buffer]> }[] = [];
  const AHEAD = 16;
  let next = 0;
  while (window.length < AHEAD && next < entries.length) window.push(read(entries[next++]!));
  while (window.length > 0) {
    const { entry, pending } = window.shift()!;
    const [header, content] = await pending;
    if (next < entries.length) window.push(read(entries[next++]!));
    field(header);
    field(content);
    if (manifest) manifest[entry.type === 'directory' ? `${entry.path}/` : entry.path] = createHash('sha256').update(header).update(content).digest('hex').slice(0, 12);
  }
  return hash.digest('hex');
}

async function readEntry(dir: string, entry: ContextEntry): Promise<[string, Buffer]> {
  const full = join(dir, entry.path);
  if (entry.type === 'directory') return [`dir ${entry.path}`, Buffer.alloc(0)];
  if (entry.type === 'symlink') return [`link ${entry.path}`, Buffer.from(await readlink(full))];
  const stats = await lstat(full);
  return [`file ${entry.path} ${(stats.mode & 0o777).toString(8)}`, await readFile(full)];
}

async function readIgnoreFile(dir: string): Promise<string[]> {
  try {
    return (await readFile(join(dir, '.dockerignore'), 'utf8')).split(/\r?\n/).filter((line) => line.trim() && !line.trim().startsWith('#'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
