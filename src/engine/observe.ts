/**
 * observe: the only place `up` reads the engine (and the build contexts on disk).
 * Everything it learns goes into one plain ObservedState value that the pure planner reads.
 */
import type { Project } from '../config/project.js';
import { DevenvError } from '../errors.js';
import { hashBuildContext } from '../runtime/build-context.js';
import { LABELS, type ContainerSummary, type ImageSummary, type ResourceSummary, type Runtime } from '../runtime/runtime.js';
import { busyHostPorts, type BusyPorts } from './host-ports.js';
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
  /** Fixed host ports the project publishes that something else holds. */
  busyPorts: BusyPorts;
}

/** What `down`, `ps` and `logs` need: resources by label alone, no devenv.yml. */
export type ObservedProject = Omit<ObservedState, 'localImages' | 'contextHashes' | 'busyPorts'>;

export async function observeProject(runtime: Runtime, project: string): Promise<ObservedProject> {
  const labels = projectLabels(project);
  const [containers, networks, volumes, images] = await Promise.all([
    runtime.listContainers(labels),
    runtime.listNetworks(labels),
    runtime.listVolumes(labels),
    runtime.listImages(labels),
  ]);
  // Built images carry the project's labels and the engine copies image labels onto every container
  // made from them, so a `docker run` of such an image looks like ours. devenv's own always have a role.
  return { containers: containers.filter((c) => c.labels[LABELS.role] !== undefined), networks, volumes, images };
}

export async function observe(runtime: Runtime, project: Project): Promise<ObservedState> {
  const pulled = new Set<string>();
  const contextHashes: Record<string, string> = {};
  const hashing: Promise<void>[] = [];
  for (const s of project.services) {
    if (s.kind === 'container' && s.build) {
      const build = s.build;
      hashing.push(hashBuildContext(build).then(
        (hash) => void (contextHashes[s.name] = hash),
        (error: unknown) => {
          if (error instanceof DevenvError) throw error;
          throw new DevenvError('IMAGE_BUILD_FAILED', `cannot read the build context of ${s.name} (${build.context}): ${(error as Error).message}`, {
            hint: 'Make it readable, or exclude what cannot be read in its .dockerignore.',
            cause: error,
          });
        },
      ));
    } else {
      pulled.add(s.image);
    }
  }
  const [state, present] = await Promise.all([
    observeProject(runtime, project.name),
    Promise.all([...pulled].map(async (ref) => [ref, (await runtime.imageId(ref)) !== undefined] as const)),
    Promise.all(hashing),
  ]);
  const busyPorts = await busyHostPorts(runtime, project, state.containers);
  return { ...state, localImages: Object.fromEntries(present), contextHashes, busyPorts };
}
