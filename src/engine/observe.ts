/**
 * observe: the only place `up` reads the engine (and the build contexts on disk).
 * Everything it learns goes into one plain ObservedState value that the pure planner reads.
 */
import type { Project } from '../config/project.js';
import { hashBuildContext } from '../runtime/build-context.js';
import type { ContainerSummary, ImageSummary, ResourceSummary, Runtime } from '../runtime/runtime.js';
import { projectLabels } from './names.js';

export interface ObservedState {
  /** Every container carrying the project's label, running or not. */
  containers: ContainerSummary[];
  networks: ResourceSummary[];
  volumes: ResourceSummary[];
  /** Images devenv built for this project. */
  images: ImageSummary[];
  /** Image references the project pulls → whether the engine already has them. */
  localImages: Record<string, boolean>;
  /** Build service → hash of its build context, Dockerfile, target and args. */
  contextHashes: Record<string, string>;
}

/** What `down`, `ps` and `logs` need: resources by label alone, no devenv.yml. */
export async function observeProject(runtime: Runtime, project: string): Promise<Omit<ObservedState, 'localImages' | 'contextHashes'>> {
  const labels = projectLabels(project);
  const [containers, networks, volumes, images] = await Promise.all([
    runtime.listContainers(labels),
    runtime.listNetworks(labels),
    runtime.listVolumes(labels),
    runtime.listImages(labels),
  ]);
  return { containers, networks, volumes, images };
}

export async function observe(runtime: Runtime, project: Project): Promise<ObservedState> {
  const pulled = new Set<string>();
  const contextHashes: Record<string, string> = {};
  const hashing: Promise<void>[] = [];
  for (const s of project.services) {
    if (s.kind === 'container' && s.build) {
      const build = s.build;
      hashing.push(hashBuildContext(build).then((hash) => void (contextHashes[s.name] = hash)));
    } else {
      pulled.add(s.image);
    }
  }
  const [state, present] = await Promise.all([
    observeProject(runtime, project.name),
    Promise.all([...pulled].map(async (ref) => [ref, (await runtime.imageId(ref)) !== undefined] as const)),
    Promise.all(hashing),
  ]);
  return { ...state, localImages: Object.fromEntries(present), contextHashes };
}
