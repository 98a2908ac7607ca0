/**
 * Every image the engine tests use must be in test/images.txt, which the global setup pulls first:
 * otherwise a test passes only on an engine where something else pulled it (issue 6).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { testImages } from '../helpers/images.js';
import { repoRoot } from '../helpers/paths.js';

/** Images no test expects to pull successfully. */
const UNPULLABLE = new Set(['devenv-no-such-image:1']);

const withTag = (ref: string) => (ref.includes(':') ? ref : `${ref}:latest`);

function files(dir: string, name: (file: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === '.devenv' ? [] : files(path, name);
    return name(e.name) ? [path] : [];
  });
}

function fromLines(dockerfile: string): string[] {
  return [...readFileSync(dockerfile, 'utf8').matchAll(/^FROM\s+(\S+)/gim)].map((m) => m[1]!);
}

/** The images a devenv.yml pulls or builds from. */
function imagesOf(file: string): string[] {
  const doc = parse(readFileSync(file, 'utf8')) as { services?: Record<string, Record<string, unknown>> };
  return Object.values(doc.services ?? {}).flatMap((s) => {
    if ('postgres' in s) {
      const pg = (s.postgres ?? {}) as { image?: string; version?: string | number };
      return [pg.image ?? `postgres:${pg.version ?? 15}`];
    }
    if (s.build !== undefined) {
      const build = typeof s.build === 'string' ? { context: s.build } : (s.build as { context?: string; dockerfile?: string });
      return fromLines(join(dirname(file), build.context ?? '.', build.dockerfile ?? 'Dockerfile'));
    }
    return typeof s.image === 'string' ? [s.image] : [];
  });
}

describe('test/images.txt', () => {
  it('lists every image the examples, the engine fixtures and the runtime tests use', () => {
    const used = new Set<string>();
    for (const root of ['examples', 'test/fixtures/e2e', 'test/fixtures/runtime']) {
      for (const f of files(join(repoRoot, root), (n) => n === 'devenv.yml')) imagesOf(f).forEach((i) => used.add(i));
      for (const f of files(join(repoRoot, root), (n) => n === 'Dockerfile')) fromLines(f).forEach((i) => used.add(i));
    }
    for (const f of files(join(repoRoot, 'test'), (n) => n.endsWith('.ts'))) {
      if (!statSync(f).isFile() || f.includes('/unit/')) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(/\b(?:image|IMAGE)\s*[:=]\s*'([a-z0-9][\w./:-]*)'/g)) used.add(m[1]!);
    }
    const listed = new Set(testImages().map(withTag));
    const missing = [...used].map(withTag).filter((i) => !listed.has(i) && !UNPULLABLE.has(i) && !i.includes('$'));
    expect(used.size).toBeGreaterThan(3);
    expect(missing).toEqual([]);
  });
});
