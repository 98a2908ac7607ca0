import { chmod, mkdir, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextEntries, contextFilter, hashBuildContext, packBuildContext, type ContentCache } from '../../../src/runtime/build-context.js';

/** Relative POSIX paths of the files (and symlinks) the engine would receive, sorted. */
async function contextFiles(dir: string, dockerfile = 'Dockerfile'): Promise<string[]> {
  return (await contextEntries(dir, dockerfile)).filter((e) => e.type !== 'directory').map((e) => e.path);
}
import { tempDir } from '../../helpers/temp.js';

let dir: string;

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

const request = (overrides: { dockerfile?: string; target?: string; args?: Record<string, string> } = {}) => ({
  context: dir,
  dockerfile: 'Dockerfile',
  args: {},
  ...overrides,
});

beforeEach(async () => {
  dir = tempDir('devenv-context');
  await write({
    Dockerfile: 'FROM busybox\nCOPY . /app\n',
    'package.json': '{}',
    'src/index.ts': 'export {};\n',
    'src/index.test.ts': 'test\n',
    'node_modules/left-pad/index.js': 'module.exports = 1;\n',
    'logs/app.log': 'noise\n',
    'logs/keep.log': 'keep me\n',
    '.env': 'SECRET=1\n',
    'docs/guide/intro.md': '# hi\n',
  });
});

afterEach(() => rm(dir, { recursive: true, force: true }));

describe('contextFiles', () => {
  it('sends everything when there is no .dockerignore', async () => {
    expect(await contextFiles(dir)).toHaveLength(9);
  });

  it('honours .dockerignore rules, exceptions and comments', async () => {
    await write({
      '.dockerignore': '# dependencies\nnode_modules\n**/*.test.ts\nlogs\n!logs/keep.log\n.env\n/docs\nDockerfile\n.dockerignore\n',
    });
    expect(await contextFiles(dir)).toEqual([
      // Always sent, whatever .dockerignore says, as the docker CLI does.
      '.dockerignore',
      'Dockerfile',
      'logs/keep.log',
      'package.json',
      'src/index.ts',
    ]);
  });

  it('never sends the .devenv/ folder of devenv (passwords, logs), even without a .dockerignore', async () => {
    await write({ '.devenv/secrets.json': '{"passwords":{}}', '.devenv/devenv.log': 'log', 'sub/.devenv/x': 'y' });
    const files = await contextFiles(dir);
    expect(files.filter((f) => f.includes('.devenv'))).toEqual([]);
    expect(files).toHaveLength(9);
  });

  it('never sends devenv.yml at the root (an edit to it rebuilds nothing), even when .dockerignore excepts it', async () => {
    await write({ 'devenv.yml': 'services: {}\n', 'devenv.yaml': 'services: {}\n', 'sub/devenv.yml': 'kept: an app file\n', '.dockerignore': '!devenv.yml\n' });
    const files = await contextFiles(dir);
    expect(files.filter((f) => f.includes('devenv.y'))).toEqual(['sub/devenv.yml']);
    const filter = await contextFilter(dir);
    expect([filter('devenv.yml'), filter('.devenv/secrets.json'), filter('sub/devenv.yml')]).toEqual([false, false, true]);
  });

  it('always sends a Dockerfile kept in a subfolder', async () => {
    await write({ 'build/app.Dockerfile': 'FROM busybox\n', '.dockerignore': 'build\n' });
    expect(await contextFiles(dir, 'build/app.Dockerfile')).toContain('build/app.Dockerfile');
    expect(await contextFiles(dir)).not.toContain('build/app.Dockerfile');
  });
});

describe('packBuildContext', () => {
  it('packs exactly the included files', async () => {
    await write({ '.dockerignore': 'node_modules\nlogs\n!logs/keep.log\n' });
    await symlink('src/index.ts', join(dir, 'main.ts'));
    const out = tempDir('devenv-unpacked');
    try {
      await pipeline(await packBuildContext(dir), tar.extract(out));
      const listed = (await readdir(out, { recursive: true })).map(String).sort();
      expect(listed).toEqual(['.dockerignore', '.env', 'Dockerfile', 'docs', 'docs/guide', 'docs/guide/intro.md', 'logs', 'logs/keep.log', 'main.ts', 'package.json', 'src', 'src/index.test.ts', 'src/index.ts']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('hashBuildContext', () => {
  // As in Docker, "*.log" would only match at the top level; "**/*.log" matches everywhere.
  beforeEach(() => write({ '.dockerignore': 'node_modules\n**/*.log\n' }));

  it('is stable', async () => {
    const first = await hashBuildContext(request());
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashBuildContext(request())).toBe(first);
  });

  it('changes when an included file changes, appears or goes', async () => {
    const before = await hashBuildContext(request());
    await write({ 'src/index.ts': 'export const x = 1;\n' });
    const edited = await hashBuildContext(request());
    expect(edited).not.toBe(before);
    await write({ 'src/new.ts': '' });
    const added = await hashBuildContext(request());
    expect(added).not.toBe(edited);
    await rm(join(dir, 'src/new.ts'));
    expect(await hashBuildContext(request())).toBe(edited);
  });

  it('does not change when an ignored file changes, or devenv writes its log', async () => {
    const before = await hashBuildContext(request());
    await write({ 'node_modules/left-pad/index.js': 'changed', 'logs/app.log': 'more noise', 'other.log': 'new', '.devenv/devenv.log': 'run', 'devenv.yml': 'services: { edited: {} }\n' });
    expect(await hashBuildContext(request())).toBe(before);
  });

  it('changes with the executable bit, the Dockerfile path, the target and the args', async () => {
    const base = await hashBuildContext(request());
    await write({ 'other.Dockerfile': 'FROM busybox\n' });
    const withFile = await hashBuildContext(request());
    const hashes = [
      withFile,
      await hashBuildContext(request({ dockerfile: 'other.Dockerfile' })),
      await hashBuildContext(request({ target: 'dev' })),
      await hashBuildContext(request({ args: { NODE_ENV: 'development' } })),
      await hashBuildContext(request({ args: { NODE_ENV: 'production' } })),
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(withFile).not.toBe(base);
    await chmod(join(dir, 'package.json'), 0o755);
    expect(await hashBuildContext(request())).not.toBe(withFile);
  });

  it('does not confuse a file boundary with content', async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await write({ a: 'bc', Dockerfile: '' });
    const one = await hashBuildContext(request());
    await rm(join(dir, 'a'));
    await write({ ab: 'c' });
    expect(await hashBuildContext(request())).not.toBe(one);
  });

  describe('with a content cache', () => {
    /** Sets every file's times 10 s back, as for files last edited a while ago (newer ones are not cached). */
    async function age(): Promise<void> {
      const old = new Date(Date.now() - 10_000);
      for (const entry of await contextEntries(dir)) if (entry.type === 'file') await utimes(join(dir, entry.path), old, old);
    }

    it('gives the same hash as without one, and remembers every file', async () => {
      await age();
      const cache: ContentCache = {};
      const plain = await hashBuildContext(request());
      expect(await hashBuildContext(request(), undefined, cache)).toBe(plain);
      expect(Object.keys(cache).sort()).toEqual(await contextFiles(dir));
      expect(await hashBuildContext(request(), undefined, cache)).toBe(plain);
    });

    it('does not read a file whose stat is unchanged: the cached hash stands for it', async () => {
      await age();
      const cache: ContentCache = {};
      const plain = await hashBuildContext(request(), undefined, cache);
      // A cache entry that lies about the content, with the file's own stat, is believed: proof the file was not read.
      cache['package.json'] = { ...cache['package.json']!, sha256: '0'.repeat(64) };
      expect(await hashBuildContext(request(), undefined, cache)).not.toBe(plain);
    });

    it('reads a file again once it changed, and forgets files that left the context', async () => {
      await age();
      const cache: ContentCache = {};
      const before = await hashBuildContext(request(), undefined, cache);
      await write({ 'package.json': '{"name":"x"}' });
      await rm(join(dir, 'src/index.test.ts'));
      const after = await hashBuildContext(request(), undefined, cache);
      expect(after).not.toBe(before);
      expect(after).toBe(await hashBuildContext(request()));
      expect(cache['src/index.test.ts']).toBeUndefined();
    });

    it('does not remember a file changed within the last 2 s: it could change again unseen', async () => {
      await age();
      await write({ 'package.json': '{"fresh":true}' });
      const cache: ContentCache = {};
      await hashBuildContext(request(), undefined, cache);
      expect(cache['package.json']).toBeUndefined();
      expect(cache.Dockerfile).toBeDefined();
    });
  });
});
