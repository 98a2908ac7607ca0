/**
 * plan for `down` (and for the teardown after Ctrl-C or a failed `up`): pure, from labels alone.
 */
import type { ObservedProject } from './observe-project.js';
import { PlanBuilder, type Plan } from './plan.js';
import { LABELS } from './labels.js';

export interface DownOptions {
  /** Also delete data volumes: all of them, or only these names. */
  volumes?: boolean | Set<string>;
  /** Containers (by ID) to kill and remove without a graceful stop. */
  kill?: Set<string>;
  /** Also delete images devenv built. */
  images?: boolean;
  /** Only these containers (by ID); the network goes only if no other container of the project stays. */
  onlyContainers?: Set<string>;
  /** Only these host processes (by service); with onlyContainers and without this: none. */
  onlyProcesses?: Set<string>;
  /** Only the containers of these services (attached `up app` then Ctrl-C); one-offs stay too. */
  onlyServices?: Set<string>;
  /** With onlyServices: also the migration containers a dead `up` left (not a `devenv run` of another terminal). */
  oneOffs?: boolean;
  /** Containers (by ID) to kill and keep, stopped: a failed service's, kept for its logs. */
  keep?: Set<string>;
  /** Keep the network even when it would be empty. */
  keepNetwork?: boolean;
}

export function planDown(project: string, observed: ObservedProject, options: DownOptions = {}): Plan {
  const plan = new PlanBuilder();
  const only = options.onlyContainers;
  const keep = options.keep ?? new Set<string>();
  const services = options.onlyServices;
  const chosen = (c: (typeof observed.containers)[number]) =>
    (!only || only.has(c.id)) && (!services || (c.labels[LABELS.role] === 'service' ? services.has(c.labels[LABELS.service] ?? '') : options.oneOffs === true && c.labels[LABELS.role] === 'migration'));
  const removed = observed.containers.filter((c) => chosen(c) && !keep.has(c.id));
  const staying = observed.containers.length - removed.length;
  const name = (c: (typeof removed)[number]) => (c.labels[LABELS.role] === 'service' ? (c.labels[LABELS.service] ?? c.name) : c.name);
  for (const c of observed.containers.filter((x) => keep.has(x.id) && x.state !== 'exited' && x.state !== 'dead')) {
    plan.add({ kind: 'container.stop', service: name(c), containerId: c.id, kill: true }, 'failed; kept, stopped, for its logs');
  }
  // Host processes: all of them on down; those of the named services; those a failed run started.
  for (const p of observed.processes.values()) {
    const wanted = options.onlyProcesses ? options.onlyProcesses.has(p.service) : services ? services.has(p.service) : !only;
    if (wanted) plan.add({ kind: 'process.remove', service: p.service }, only ? 'started by this run' : services ? 'the attached up that runs it is ending' : 'down');
  }
  // A stopped container holds no network endpoint: the network (the engine takes ~0.15 s to remove
  // one) goes once every container has stopped, alongside the containers' removals.
  const networkDeps: number[] = [];
  const containerSteps = removed.map((c) => {
    const kill = options.kill?.has(c.id) ?? false;
    const cause = kill ? 'never became ready; killed' : only ? 'started by this run' : services ? 'the attached up that runs it is ending' : 'down';
    const running = !kill && (c.state === 'running' || c.state === 'restarting' || c.state === 'paused');
    if (!running) {
      const id = plan.add({ kind: 'container.remove', service: name(c), containerId: c.id, name: c.name, kill }, cause);
      networkDeps.push(id);
      return id;
    }
    const stop = plan.add({ kind: 'container.stop', service: name(c), containerId: c.id, beforeRemove: true }, cause);
    networkDeps.push(stop);
    return plan.add({ kind: 'container.remove', service: name(c), containerId: c.id, name: c.name, stopped: true }, cause, [stop]);
  });
  if (!options.keepNetwork && staying === 0) {
    for (const n of observed.networks) plan.add({ kind: 'network.remove', networkId: n.id, name: n.name }, 'down', networkDeps);
  }
  const volumes = options.volumes;
  if (volumes) {
    for (const v of observed.volumes) {
      if (volumes === true) plan.add({ kind: 'volume.remove', name: v.name }, '--volumes', containerSteps);
      else if (volumes.has(v.name)) plan.add({ kind: 'volume.remove', name: v.name }, 'created by this run, holds no data yet', containerSteps);
    }
  }
  if (options.images) {
    for (const i of observed.images) // By devenv's tag, so a tag the user added keeps the image; best effort, as an image in use stays.
      plan.add({ kind: 'image.remove', ref: i.tags[0] ?? i.id, name: i.tags[0] ?? i.id.replace(/^sha256:/, '').slice(0, 12), bestEffort: true }, '--images', containerSteps);
  }
  return { project, steps: plan.steps };
}

/** How many things a teardown plan removes (a container counts once, though it is stopped and then removed). */
export function removedCount(plan: Plan): number {
  return plan.steps.filter((s) => s.kind !== 'container.stop').length;
}
