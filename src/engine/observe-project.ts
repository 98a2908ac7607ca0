/**
 * What `down`, `ps`, `logs` and the lifecycle commands read: a project's resources by label alone,
 * without devenv.yml (and without what reading one takes, for a quick start).
 */
import type { ContainerSummary, ImageSummary, ResourceSummary, Runtime } from '../runtime/runtime.js';
import type { HostProcess, HostProcesses } from '../supervisor/client.js';
import { LABELS, projectLabels } from './labels.js';

/** What `down`, `ps` and `logs` need: resources by label alone, no devenv.yml. */
export interface ObservedProject {
  /** Every container carrying the project's label and a devenv role, running or not. */
  containers: ContainerSummary[];
  networks: ResourceSummary[];
  volumes: ResourceSummary[];
  /** Images devenv built for this project. */
  images: ImageSummary[];
  /** Host processes by service: live from the supervisor, or as recorded when it is not running. */
  processes: Map<string, HostProcess>;
}

/** host: the project's host processes, when its folder is known. */
export async function observeProject(runtime: Runtime, project: string, host?: HostProcesses): Promise<ObservedProject> {
  const labels = projectLabels(project);
  const [containers, networks, volumes, images, processes] = await Promise.all([
    runtime.listContainers(labels),
    runtime.listNetworks(labels),
    runtime.listVolumes(labels),
    runtime.listImages(labels),
    host?.list() ?? [],
  ]);
  // Built images carry the project's labels and the engine copies image labels onto every container
  // made from them, so a `docker run` of such an image looks like ours. devenv's own always have a role.
  return {
    containers: containers.filter((c) => c.labels[LABELS.role] !== undefined),
    networks,
    volumes,
    images,
    processes: new Map(processes.map((p) => [p.service, p])),
  };
}

/** Service name → its containers, newest first. */
export function groupByService(containers: ContainerSummary[]): Map<string, ContainerSummary[]> {
  const groups = new Map<string, ContainerSummary[]>();
  for (const c of containers) {
    if (c.labels[LABELS.role] !== 'service') continue;
    const service = c.labels[LABELS.service] ?? '';
    groups.set(service, [...(groups.get(service) ?? []), c]);
  }
  for (const list of groups.values()) list.sort((a, b) => b.created.getTime() - a.created.getTime());
  return groups;
}

