/**
 * What each image was last built from (.devenv/builds.json): the context's hash, which decides
 * whether the next `up` builds again, and the image it gave; file by file too, so a rebuild can say
 * which files changed ("build context changed: src/app.ts") instead of only that something did;
 * and the content hashes of the build contexts' files (.devenv/context-cache.json), so an `up` reads
 * only the files that changed since the last one.
 */
import path from 'node:path';
import type { ContentCache } from '../runtime/build-context.js';
import { devenvDir, ensureDevenvDir, readJsonFile, writeFileAtomic } from '../util/devenv-dir.js';

/** Context path → short hash of its mode and content. */
export type ContextManifest = Record<string, string>;

export interface BuildRecord {
  /** The context hash the image was built from. */
  contextHash: string;
  files: ContextManifest;
  /**
   * The image that build gave. The context hash is kept here, not as a label of the image: a label
   * would make every build a new image, and a rebuild whose result is unchanged must keep the
   * containers that run it. (Records from before have none; images from before carry the label.)
   */
  imageId?: string;
}

const file = (dir: string) => path.join(devenvDir(dir), 'builds.json');

/** Key: "<project>/<service>". */
export function readBuildRecords(dir: string): Record<string, BuildRecord> {
  const value = readJsonFile(file(dir));
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, BuildRecord>) : {};
}

/**
 * Records a successful build. Never throws: without the record (a read-only project folder) the next
 * `up` builds again, from the cache, into the same image, and keeps the containers that run it.
 */
export function saveBuildRecord(dir: string, key: string, record: BuildRecord): void {
  try {
    const records = readBuildRecords(dir);
    records[key] = record;
    ensureDevenvDir(dir);
    writeFileAtomic(file(dir), `${JSON.stringify(records)}\n`);
  } catch {
    // A read-only project folder: see above.
  }
}

const cacheFile = (dir: string) => path.join(devenvDir(dir), 'context-cache.json');

/** Build context folder → its content cache. */
export function readContentCaches(dir: string): Record<string, ContentCache> {
  const value = readJsonFile(cacheFile(dir));
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, ContentCache>) : {};
}

/** Never throws: without the cache the next `up` reads every file again, nothing worse. */
export function saveContentCaches(dir: string, caches: Record<string, ContentCache>): void {
  try {
    ensureDevenvDir(dir);
    writeFileAtomic(cacheFile(dir), JSON.stringify(caches));
  } catch {
    // A read-only project folder.
  }
}

/** "devenv.yml", "server.js, Dockerfile and 3 more", "removed old.js": what differs between two builds. */
export function describeChanges(before: ContextManifest, after: ContextManifest): string {
  const changed: string[] = [];
  for (const [p, hash] of Object.entries(after)) if (before[p] !== hash) changed.push(before[p] === undefined ? `added ${p}` : p);
  for (const p of Object.keys(before)) if (!(p in after)) changed.push(`removed ${p}`);
  // A folder is added or removed with its files: name the files.
  const files = changed.some((c) => !c.endsWith('/')) ? changed.filter((c) => !c.endsWith('/')) : changed;
  const shown = files.slice(0, 3).join(', ');
  return files.length > 3 ? `${shown} and ${files.length - 3} more` : shown;
}
