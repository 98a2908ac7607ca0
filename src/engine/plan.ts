/**
 * A plan: a small DAG of atomic operations, each with the cause that made it necessary.
 * Pure data; printPlan shows one step per line, as unit tests compare it.
 */
import type { BuildSpec, Migration } from '../config/project.js';
import type { MigrationRecord } from './run-state.js';
import type { DesiredContainer } from './service-spec.js';

export type StepAction =
  | { kind: 'network.create'; name: string }
  | { kind: 'volume.create'; name: string }
  | { kind: 'image.pull'; image: string }
  /** manifest: the context file by file, recorded after the build so the next change can be named. */
  | { kind: 'image.build'; service: string; build: BuildSpec; tag: string; contextHash: string; manifest?: Record<string, string> }
  /**
   * kill: no graceful stop (a container that never became ready has nothing to shut down cleanly).
   * replacesRunning: a running container of the service, removed to make way for a new one.
   * stopped: an earlier container.stop of the plan stopped it (down), so nothing is left to stop.
   */
  | { kind: 'container.remove'; service: string; containerId: string; name: string; kill?: boolean; replacesRunning?: boolean; stopped?: boolean; keep?: KeepIfImage }
  /**
   * Create, and start at once when `start` (nothing to wait for). Otherwise a container is created as
   * soon as its image, network and volumes are there and started by a container.start step at its turn
   * (after what it depends on, and the migrations), so its turn costs only the start.
   * desired.spec carries the host ports chosen for declared 0s; should one be taken by the time the
   * container starts, it is created again with `declaredPorts` (the engine picks).
   */
  | { kind: 'container.create'; service: string; desired: DesiredContainer; declaredPorts: DesiredContainer['spec']['ports']; start?: boolean; keep?: KeepIfImage & { containerId: string } }
  /** Start a container: an existing, unchanged one that is not running (containerId), or the one this run created. */
  | { kind: 'container.start'; service: string; containerId?: string }
  /**
   * Stop and keep the container (`devenv stop`); kill: at once, no graceful stop.
   * beforeRemove: the first half of a removal (down): a container that does not stop is removed at once.
   */
  | { kind: 'container.stop'; service: string; containerId: string; kill?: boolean; beforeRemove?: boolean }
  /** Stop and start again, keeping the container (`devenv restart` of an unchanged service). */
  | { kind: 'container.restart'; service: string; containerId: string }
  /** Start (or replace) a host process through the supervisor. */
  | { kind: 'process.start'; service: string }
  /** Stop and start a host process whose config is unchanged. */
  | { kind: 'process.restart'; service: string }
  /** Stop a host process, keeping it for `start`; kill: at once. */
  | { kind: 'process.stop'; service: string }
  /** Stop and forget a host process (down, a service gone). */
  | { kind: 'process.remove'; service: string }
  /** Stop host processes a killed supervisor left running. */
  | { kind: 'process.orphans'; services: string[] }
  /** reused: a running container whose config is unchanged; asking whether it accepts connections is enough. */
  /** initialisedUser: the user its data volume was made with, as the volume's label says (a refused password names it). */
  | { kind: 'postgres.ready'; service: string; reused?: boolean; initialisedUser?: string }
  /** kept: a host process already running before this command (one that stopped answering long ago fails at once). */
  | { kind: 'service.healthy'; service: string; kept?: boolean }
  /** A one-shot service exits 0. */
  | { kind: 'service.completed'; service: string }
  /**
   * record: what it runs with, saved after it succeeds (a later up with the same inputs skips it).
   * skip: those inputs are unchanged since its last success: nothing to run.
   * unlessUnchanged: its last success, when its image is still to be built: skipped if the build gives
   * the image it ran with then (its inputs are read again when its turn comes).
   */
  | { kind: 'migration'; migration: Migration; index: number; skip?: boolean; unlessUnchanged?: MigrationRecord }
  | { kind: 'network.remove'; networkId: string; name: string }
  | { kind: 'volume.remove'; name: string }
  /**
   * bestEffort: a failure (say, a container outside devenv still uses it) is not a failure of the plan.
   * untagged: only while it has no tag (a build of this plan may have given it its tag back).
   */
  | { kind: 'image.remove'; /** Tag or ID. */ ref: string; name: string; bestEffort?: boolean; untagged?: boolean };

/**
 * On the steps that replace a container only because its image is being rebuilt: when the tag points
 * at imageId once the build is done (the rebuild changed nothing the image holds), the container is
 * kept, and started only when `start` (it was stopped, and is not a one-shot that completed).
 */
export interface KeepIfImage {
  /** The tag the build gives. */
  image: string;
  imageId: string;
  start: boolean;
}

export type Step = StepAction & {
  id: number;
  /** Steps that must finish first. */
  deps: number[];
  /** Why the step is needed, e.g. "no existing container", "config changed: env.NODE_ENV". */
  cause: string;
};

export interface Plan {
  project: string;
  steps: Step[];
}

/** "container:app create", "image:postgres:15 pull", … */
export function describeStep(step: StepAction): string {
  switch (step.kind) {
    case 'network.create': return `network:${step.name} create`;
    case 'network.remove': return `network:${step.name} remove`;
    case 'volume.create': return `volume:${step.name} create`;
    case 'volume.remove': return `volume:${step.name} remove`;
    case 'image.pull': return `image:${step.image} pull`;
    case 'image.build': return `image:${step.service} build`;
    case 'image.remove': return `image:${step.name} remove`;
    case 'container.remove': return `container:${step.service} remove`;
    case 'container.create': return `container:${step.service} create`;
    case 'container.start': return `container:${step.service} start`;
    case 'container.stop': return `container:${step.service} stop`;
    case 'container.restart': return `container:${step.service} restart`;
    case 'process.start': return `process:${step.service} start`;
    case 'process.restart': return `process:${step.service} restart`;
    case 'process.stop': return `process:${step.service} stop`;
    case 'process.remove': return `process:${step.service} remove`;
    case 'process.orphans': return `process:${step.services.join(',')} stop`;
    case 'postgres.ready': return `postgres:${step.service} ready`;
    case 'service.healthy': return `service:${step.service} healthy`;
    case 'service.completed': return `service:${step.service} completed`;
    case 'migration': return `migration:${step.migration.name} ${step.migration.kind}`;
  }
}

/** One line a step: `[1,2] -> #3 container:app create (no existing container)`. */
export function printPlan(plan: Plan): string {
  return plan.steps
    .map((s) => `[${s.deps.join(',')}] -> #${s.id} ${describeStep(s)} (${s.cause})`)
    .join('\n');
}

/** Builds a plan step by step; ids are 1-based in insertion order. */
export class PlanBuilder {
  readonly steps: Step[] = [];

  add(action: StepAction, cause: string, deps: (number | undefined)[] = []): number {
    const id = this.steps.length + 1;
    const unique = [...new Set(deps.filter((d): d is number => d !== undefined))].sort((a, b) => a - b);
    this.steps.push({ ...action, id, deps: unique, cause });
    return id;
  }
}
