/**
 * What becomes of each started service's container or host process: reused, started, or replaced,
 * and why. Pure, from the project and the observed state.
 */
import type { ContainerService, PostgresService, ProcessService, Project } from '../config/project.js';
import type { HostProcess } from '../supervisor/client.js';
import type { ContainerSummary, ImageSummary } from '../runtime/runtime.js';
import { LABELS } from './labels.js';
import type { ObservedState } from './observe.js';
import type { KeepIfImage } from './plan.js';
import type { UpOptions } from './plan-up.js';
import type { Selection } from './plan-select.js';
import { desiredProcess, type DesiredProcess } from './process-spec.js';
import { changedFields, desiredContainer, hashFields, shortHash, type DesiredContainer } from './service-spec.js';

export interface ContainerDecision {
  desired: DesiredContainer;
  current?: ContainerSummary;
  /** Why the current container is replaced; undefined: reused (or there is none). */
  recreate?: string;
  /**
   * Replaced only because its image is being rebuilt: kept if the build gives the image it runs
   * (the edit was to a file the image does not copy), and then started only when `start`.
   */
  keep?: KeepIfImage;
  /** A one-shot that completed with this config: nothing to run. */
  done?: boolean;
}

export interface ProcessDecision {
  desired: DesiredProcess;
  current?: HostProcess;
  /** Why the process is started (again); undefined: the running one is kept. */
  start?: string;
  done?: boolean;
}

/** builds: built service → why this up builds its image (imageBuilds). */
export function decideContainer(s: PostgresService | ContainerService, project: Project, observed: ObservedState, options: UpOptions, selection: Selection, builds: Map<string, string>): ContainerDecision {
  const source = s.kind === 'container' ? (s.buildFrom ?? (s.build ? s.name : undefined)) : undefined;
  const desired = desiredContainer(project, s);
  const seen = observed.services.get(s.name);
  const current = seen?.container;
  if (!current) return { desired };
  if ((options.mode ?? 'up') === 'start') return { desired, current };
  const changed = changedFields(current.labels[LABELS.configFields], desired.fields);
  const configChanged = current.labels[LABELS.configHash] !== desired.hash && !madeBeforeUnchanged(current, desired, observed);
  // The tag may point at a newer image than the container runs (an earlier run built it and failed).
  const built = source ? builtImage(observed, source, s.image) : undefined;
  const oneshot = s.kind === 'container' && s.oneshot;
  const rebuilding = source !== undefined ? builds.get(source) : undefined;
  const recreate = options.forceRecreate && selection.named.has(s.name) ? '--force-recreate'
    : configChanged ? `config changed: ${changed.join(', ') || 'labels'}`
      // With a rebuild to come, what the tag points at now does not matter: what the build gives does
      // (a failed run's build may have moved the tag; the cache may give the container's image back).
      : rebuilding === undefined && built && current.imageId && built.id !== current.imageId ? 'image rebuilt since the container was created'
        : seen.failed ? `replaces the container a failed run kept (${seen.failed.reason})`
          : oneshot && current.state === 'exited' && current.exitCode !== 0 ? `its last run exited with code ${current.exitCode ?? '?'}`
            : undefined;
  // `restart` of a one-shot runs it again.
  const completed = oneshot && current.state === 'exited' && current.exitCode === 0;
  const done = completed && options.mode !== 'restart' && recreate === undefined;
  if (recreate === undefined && rebuilding !== undefined) {
    // `restart` restarts the service whatever the build gives: into a new container.
    if (options.mode === 'restart' || !current.imageId) return { desired, current, recreate: `image rebuilt (${rebuilding})` };
    const keep = { image: desired.spec.image, imageId: current.imageId, start: current.state !== 'running' && !completed };
    return { desired, current, recreate: `image rebuilt (${rebuilding})`, keep };
  }
  return { desired, current, ...(recreate ? { recreate } : {}), ...(done ? { done } : {}) };
}

/**
 * hostPorts: each database's host port as it will be once its container is settled, for the
 * references in the process's env (the executor resolves them again from the running containers).
 */
export function decideProcess(s: ProcessService, project: Project, observed: ObservedState, options: UpOptions, selection: Selection, hostPorts: Record<string, number>): ProcessDecision {
  const desired = desiredProcess(project, s, hostPorts);
  const current = observed.processes.get(s.name);
  if (!current) return { desired, start: 'not running' };
  if (current.orphaned) return { desired, current, start: 'left running by a supervisor that was killed' };
  const changed = changedFields(current.configFields, desired.fields);
  const alive = current.state === 'running' || current.state === 'backoff';
  const start = options.forceRecreate && selection.named.has(s.name) ? '--force-recreate'
    : current.configHash !== desired.hash ? `config changed: ${changed.join(', ') || 'process'}`
      : current.state === 'errored' ? `errored: ${current.reason ?? 'it kept crashing'}`
        : s.oneshot && current.state === 'exited' && current.lastExit?.code !== 0 ? `its last run exited with code ${current.lastExit?.code ?? '?'}`
          : !alive && !(s.oneshot && current.state === 'exited') ? `process is ${current.state}`
            : undefined;
  // `restart` of a one-shot runs it again.
  const rerun = s.oneshot && options.mode === 'restart' && current.state === 'exited' ? 'run again (restart)' : undefined;
  const why = start ?? rerun;
  const done = s.oneshot && why === undefined && current.state === 'exited' && current.lastExit?.code === 0;
  return { desired, current, ...(why ? { start: why } : {}), ...(done ? { done } : {}) };
}

/**
 * A container made when the build context's hash was part of the config hash: its `image` field was
 * shortHash([tag, the hash its image was built from]), which that image's label still says. Equal
 * then means unchanged: an upgrade of devenv replaces nothing.
 */
function madeBeforeUnchanged(current: ContainerSummary, desired: DesiredContainer, observed: ObservedState): boolean {
  const builtFrom = observed.images.find((i) => i.id === current.imageId)?.labels[LABELS.contextHash];
  if (!builtFrom) return false;
  return hashFields({ ...desired.fields, image: shortHash([desired.spec.image, builtFrom]) }).hash === current.labels[LABELS.configHash];
}

/** The image devenv built for a service, found by its tag. */
export function builtImage(observed: ObservedState, service: string, tag: string): ImageSummary | undefined {
  return observed.images.find((i) => i.labels[LABELS.service] === service && i.tags.map(withTag).includes(withTag(tag)));
}

/** "redis" → "redis:latest"; references with a tag or digest stay as they are. */
function withTag(ref: string): string {
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  return name.includes(':') || name.includes('@') ? ref : `${ref}:latest`;
}
