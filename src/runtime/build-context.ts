/**
 * The build context as the docker CLI sends it: every file under the folder except what
 * .dockerignore excludes, with the Dockerfile and .dockerignore always included (the CLI adds
 * them back as exceptions). The same file list feeds the tar and the context hash, so a
 * change the engine would see is exactly a change of hash.
 */
import dockerignoreModule from '@balena/dockerignore';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { BuildRequest } from './runtime.js';

// A CommonJS `module.exports = factory` whose typings claim an ES default export.
const dockerignore = ((dockerignoreModule as { default?: unknown }).default ?? dockerignoreModule) as typeof dockerignoreModule.default;

export interface ContextEntry {
  /** Relative POSIX path, e.g. "src/index.ts". */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  /** The lstat of a file, as the walk saw it (for the hash cache). */
  stats?: Stats;
}

/**
 * Context path → the sha256 of a file's content, with the file's lstat when it was read: a file whose
 * size, times, inode and mode are unchanged is not read again. Kept between runs by the caller.
 */
export type ContentCache = Record<string, { stat: string; sha256: string }>;

const DEVENV_STATE_DIR = '.devenv';
/**
 * devenv's own files at the context's root: its state folder, and devenv.yml, which no app reads and
 * whose every edit (an env value, a port) would otherwise rebuild the image. A Dockerfile that COPYs
 * them gets nothing; the .dockerignore cannot bring them back.
 */
const DEVENV_OWN = new Set([DEVENV_STATE_DIR, 'devenv.yml', 'devenv.yaml']);
const devenvOwn = (path: string) => DEVENV_OWN.has(path) || path.startsWith(`${DEVENV_STATE_DIR}/`);

/** Whether a path (relative, POSIX) of the context is sent to the engine, as its .dockerignore says. */
export async function contextFilter(dir: string, dockerfile = 'Dockerfile'): Promise<(path: string) => boolean> {
  const matcher = dockerignore({ ignorecase: false }).add(await readIgnoreFile(dir));
  const always = new Set(['.dockerignore', toPosix(dockerfile).replace(/^\.\//, '')]);
  return (path) => !devenvOwn(path) && (always.has(path) || (!path.split('/').includes(DEVENV_STATE_DIR) && !matcher.ignores(path)));
}

/** Included entries, sorted, with every parent directory of an included entry. */
export async function contextEntries(dir: string, dockerfile = 'Dockerfile'): Promise<ContextEntry[]> {
  const patterns = await readIgnoreFile(dir);
  const matcher = dockerignore({ ignorecase: false }).add(patterns);
  const hasExceptions = patterns.some((p) => p.trim().startsWith('!'));
  const always = new Set(['.dockerignore', toPosix(dockerfile).replace(/^\.\//, '')]);
  const found: ContextEntry[] = [];

  // Synchronous: thousands of small lstat calls cost ~5x more through the thread pool one by one.
  function walk(relativeDir: string): void {
    const names = readdirSync(join(dir, relativeDir)).sort();
    for (const name of names) {
      // devenv's own state (passwords, logs, ports) never goes into an image; it changes on every
      // run and would make every build context look changed.
      if (name === DEVENV_STATE_DIR) continue;
      const path = relativeDir ? `${relativeDir}/${name}` : name;
      if (devenvOwn(path)) continue;
      const stats = lstatSync(join(dir, path));
      const ignored = matcher.ignores(path) && !always.has(path);
      if (stats.isDirectory()) {
        // An ignored folder is still walked when an exception ("!dir/keep") may re-include part of it.
        if (!ignored) found.push({ path, type: 'directory' });
        if (!ignored || hasExceptions || [...always].some((kept) => kept.startsWith(`${path}/`))) walk(path);
      } else if (!ignored && (stats.isFile() || stats.isSymbolicLink())) {
        found.push({ path, type: stats.isFile() ? 'file' : 'symlink', ...(stats.isFile() ? { stats } : {}) });
      }
    }
  }
  walk('');

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
  // tar-fs loads only when an image is built; an `up` that rebuilds nothing only hashes.
  const { default: tar } = await import('tar-fs');
  return tar.pack(dir, {
    entries: topLevel,
    // tar-fs walks into included directories; keep only what contextEntries chose.
    ignore: (name) => !included.has(toPosix(relative(dir, name))),
  }) as unknown as Readable;
}

/**
 * sha256 over what decides the image: each included file's path, mode and content hash (a symlink's
 * target), the Dockerfile path, the target and the build args. Labels and tag are left out:
 * they do not change what gets built.
 */
export async function hashBuildContext(
  request: Pick<BuildRequest, 'context' | 'dockerfile' | 'target' | 'args'>,
  /** When given, filled with each entry's path (a folder's with a trailing /) → a short hash of it, so a later change can be named. */
  manifest?: Record<string, string>,
  /** Content hashes from an earlier run: read, and updated with what this run read. */
  cache?: ContentCache,
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
  // Headers and digests by entry: cached ones now, the rest read a few at a time.
  const parts = entries.map((entry) => known(request.context, entry, cache));
  const toRead = parts.flatMap((part, i) => (part ? [] : [i]));
  const READERS = 16;
  await Promise.all(Array.from({ length: Math.min(READERS, toRead.length) }, async () => {
    for (let i = toRead.pop(); i !== undefined; i = toRead.pop()) parts[i] = await readFileEntry(request.context, entries[i]!, cache);
  }));
  entries.forEach((entry, i) => {
    const [header, digest] = parts[i]!;
    field(header);
    field(digest);
    if (manifest) manifest[entry.type === 'directory' ? `${entry.path}/` : entry.path] = createHash('sha256').update(header).update(digest).digest('hex').slice(0, 12);
  });
  if (cache) {
    const included = new Set(entries.map((e) => e.path));
    for (const path of Object.keys(cache)) if (!included.has(path)) delete cache[path];
  }
  return hash.digest('hex');
}

/** A file changed this recently may change again within its timestamp's resolution unseen: not cached. */
const RACY_MS = 2000;

const statKey = (stats: Stats) => `${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}:${stats.mode}`;
const fileHeader = (entry: ContextEntry, stats: Stats) => `file ${entry.path} ${(stats.mode & 0o777).toString(8)}`;

/** [header, digest] of a folder, a symlink (its target) or a file the cache knows unchanged; undefined: to be read. */
function known(dir: string, entry: ContextEntry, cache?: ContentCache): [string, string] | undefined {
  if (entry.type === 'directory') return [`dir ${entry.path}`, ''];
  if (entry.type === 'symlink') return [`link ${entry.path}`, readlinkSync(join(dir, entry.path))];
  const cached = cache?.[entry.path];
  return entry.stats && cached?.stat === statKey(entry.stats) ? [fileHeader(entry, entry.stats), cached.sha256] : undefined;
}

/** [header, sha256 of the content] of a file, remembered in the cache unless it changed too recently. */
async function readFileEntry(dir: string, entry: ContextEntry, cache?: ContentCache): Promise<[string, string]> {
  const full = join(dir, entry.path);
  const stats = entry.stats ?? (await lstat(full));
  const sha256 = createHash('sha256').update(await readFile(full)).digest('hex');
  if (cache) {
    if (Date.now() - stats.mtimeMs > RACY_MS) cache[entry.path] = { stat: statKey(stats), sha256 };
    else delete cache[entry.path];
  }
  return [fileHeader(entry, stats), sha256];
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
