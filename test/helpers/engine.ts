/**
 * Test helpers that talk to the real engine directly (not through devenv's code),
 * so cleanup works even when the code under test is broken.
 */
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

export const docker = new Docker();

/**
 * A project name no other test uses: "t-<run>-<prefix>-<random>". The run id lets the global
 * teardown find what this run's tests left in the engine, and only that.
 */
export function uniqueProject(prefix: string): string {
  return `t-${inject('runId')}-${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

const filters = (project: string) => JSON.stringify({ label: [`dev.devenv.project=${project}`] });

/** Removes every container, network, volume and image labelled with this project. Never throws. */
export async function removeProject(project: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: filters(project) }).catch(() => []);
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const networks = await docker.listNetworks({ filters: filters(project) }).catch(() => []);
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
  const volumes = await docker.listVolumes({ filters: filters(project) }).catch(() => ({ Volumes: [] }));
  await Promise.all((volumes.Volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
  const images = await docker.listImages({ filters: filters(project) }).catch(() => []);
  await Promise.all(images.map((i) => docker.getImage(i.Id).remove({ force: true }).catch(() => undefined)));
}

/** What the engine holds for this project, as "kind name" lines, sorted. */
export async function projectResources(project: string): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: filters(project) });
  const networks = await docker.listNetworks({ filters: filters(project) });
  const volumes = await docker.listVolumes({ filters: filters(project) });
  return [
    ...containers.map((c) => `container ${c.Names[0]?.replace(/^\//, '')}`),
    ...networks.map((n) => `network ${n.Name}`),
    ...(volumes.Volumes ?? []).map((v) => `volume ${v.Name}`),
  ].sort();
}
