/**
 * Runs once per vitest project, before any test file and after the last one.
 * - Every run gets its own temporary folder (test/helpers/temp.ts), removed at the end.
 * - The engine projects (integration, e2e) first pull every image of test/images.txt, so no test
 *   depends on another test, or an earlier run, having pulled one.
 * - At the end it fails the run if a test left a .devenv/ folder in the repository, or left
 *   resources of this run's projects in the engine (and removes them).
 */
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { testImages } from './helpers/images.js';
import { repoRoot } from './helpers/paths.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder under which tests make their temporary folders; removed after the run. */
    tempRoot: string;
    /** Short id of this run; every test project name starts with `t-<runId>-`. */
    runId: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomBytes(2).toString('hex');
  const tempRoot = mkdtempSync(join(tmpdir(), 'devenv-tests-'));
  project.provide('runId', runId);
  project.provide('tempRoot', tempRoot);
  const engine = project.name === 'integration';
  if (engine) await pullAll(new Docker(), testImages());
  const startedAt = Date.now();

  return async () => {
    rmSync(tempRoot, { recursive: true, force: true });
    const problems = strayDevenvFolders();
    if (engine) problems.push(...(await leftInEngine(new Docker(), `t-${runId}-`)));
    if (engine) problems.push(...(await anonymousVolumes(new Docker(), startedAt)));
    if (problems.length > 0) throw new Error(`the tests left things behind:\n  ${problems.join('\n  ')}`);
  };
}

async function pullAll(docker: Docker, images: string[]): Promise<void> {
  const started = performance.now();
  const missing = (await Promise.all(images.map(async (image) => ((await docker.getImage(image).inspect().then(() => true, () => false)) ? undefined : image))))
    .filter((image): image is string => image !== undefined);
  const failures = (await Promise.all(missing.map(async (image) => {
    try {
      const stream = await docker.pull(image);
      await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())));
      return undefined;
    } catch (error) {
      return `${image}: ${(error as Error).message}`;
    }
  }))).filter((f): f is string => f !== undefined);
  if (failures.length > 0) {
    throw new Error(
      `the integration and end-to-end tests need these images and the engine could not pull them:\n  ${failures.join('\n  ')}\n`
      + 'Check that the engine reaches its registry (a mirror, a proxy, a login), or pull them by hand with `docker pull`.',
    );
  }
  if (missing.length > 0) console.log(`global setup: pulled ${missing.join(', ')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** .devenv/ folders inside examples/ or test/: a run wrote into the repository instead of a copy. */
function strayDevenvFolders(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.name === '.devenv') found.push(`${path.slice(repoRoot.length)} (run projects from copyProject() in test/helpers/temp.ts)`);
      else walk(path);
    }
  };
  for (const top of ['examples', 'test']) walk(join(repoRoot, top));
  return found;
}

/** Resources of this run's test projects still in the engine; removed, and reported as a failure. */
async function leftInEngine(docker: Docker, prefix: string): Promise<string[]> {
  const filters = JSON.stringify({ label: ['dev.devenv.project'] });
  const ours = (labels: Record<string, string> | undefined) => (labels?.['dev.devenv.project'] ?? '').startsWith(prefix);
  const left: string[] = [];
  for (const c of (await docker.listContainers({ all: true, filters })).filter((c) => ours(c.Labels))) {
    left.push(`container ${c.Names[0]?.slice(1)}`);
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of (await docker.listNetworks({ filters })).filter((n) => ours(n.Labels))) {
    left.push(`network ${n.Name}`);
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
  for (const v of ((await docker.listVolumes({ filters })).Volumes ?? []).filter((v) => ours(v.Labels))) {
    left.push(`volume ${v.Name}`);
    await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
  // What other tools made for a test (docker-compose, docker stack, a foreign-name test) has no
  // devenv label, only the test project's name.
  for (const c of (await docker.listContainers({ all: true })).filter((c) => c.Names.some((n) => n.slice(1).startsWith(prefix)) && !ours(c.Labels))) {
    left.push(`container ${c.Names[0]?.slice(1)} (unlabelled)`);
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of (await docker.listNetworks()).filter((n) => n.Name.startsWith(prefix) && !ours(n.Labels))) {
    left.push(`network ${n.Name} (unlabelled)`);
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
  for (const v of ((await docker.listVolumes()).Volumes ?? []).filter((v) => v.Name.startsWith(prefix) && !ours(v.Labels))) {
    left.push(`volume ${v.Name} (unlabelled)`);
    await docker.getVolume(v.Name).remove().catch(() => undefined);
  }
  for (const i of (await docker.listImages({ filters })).filter((i) => ours(i.Labels))) {
    left.push(`image ${i.RepoTags?.[0] ?? i.Id}`);
    await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
  }
  return left.map((what) => `${what} (a test did not remove its project: use removeProject() in an afterAll/afterEach)`);
}

/**
 * An image's VOLUME gives each container an anonymous volume (postgres, redis), which goes with the
 * container when it is removed with its volumes. One run of this suite was seen to leave one behind
 * (unlabelled, so the checks above miss it); its source is not known yet. Those this run made and
 * nothing uses are removed, and reported as a failure like any other leftover.
 */
async function anonymousVolumes(docker: Docker, since: number): Promise<string[]> {
  const dangling = (await docker.listVolumes({ filters: JSON.stringify({ dangling: ['true'] }) })).Volumes ?? [];
  const made = dangling.filter((v) => /^[0-9a-f]{64}$/.test(v.Name) && Object.keys(v.Labels ?? {}).length === 0
    && Date.parse((v as { CreatedAt?: string }).CreatedAt ?? '') >= since - 1000);
  for (const v of made) await docker.getVolume(v.Name).remove().catch(() => undefined);
  return made.map((v) => `anonymous volume ${v.Name.slice(0, 12)} (an image's VOLUME of a container removed without its volumes)`);
}
