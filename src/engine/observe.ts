/**
 * observe: the only place `up` reads the engine (and the build contexts and .devenv/ on disk).
 * Everything it learns goes into one plain ObservedState value that the pure planner reads.
 */
import type { Project } from '../config/project.js';
import { DevenvError } from '../errors.js';
import { hashBuildContext } from '../runtime/build-context.js';
import type { ContainerSummary, ImageSummary, ResourceSummary, Runtime } from '../runtime/runtime.js';
import type { HostProcess, HostProcesses } from '../supervisor/client.js';
import { readBuildRecords, readContentCaches, saveContentCaches, type BuildRecord, type ContextManifest } from './build-manifests.js';
import { busyHostPorts, type BusyPorts } from './host-ports.js';
import { groupByService, observeProject, type ObservedProject } from './observe-project.js';
import { initFilesHash } from './init-files.js';
import { LABELS, projectLabels } from './labels.js';
import { stepFilesHash } from './plan-migrations.js';
import { foreignOf, namesToCheck, otherCheckoutsOf, type ForeignName, type OtherCheckout } from './plan-ownership.js';
import { choosePorts, portKey, type PortChoices } from './port-memory.js';
import { readLocalState, stateKey, type FailedContainer, type MigrationRecord } from './run-state.js';

export { groupByService, observeProject, type ObservedProject };

/** A service's containers as observed. */
export interface ObservedService {
  /** Its container; the newest one when there are several. */
  container?: ContainerSummary;
  /** Other containers labelled as this service (an interrupted run's): removed by `up`. */
  duplicates: ContainerSummary[];
  /** Set when a failed `up` kept this container for its logs. */
  failed?: FailedContainer;
}

export interface ObservedState extends ObservedProject {
  /** Service name → its containers (services of devenv.yml only). */
  services: Map<string, ObservedService>;
  /** Service containers of services no longer in devenv.yml. */
  orphans: ContainerSummary[];
  /** One-off containers (migrations, `devenv run`) left by an interrupted run. */
  leftovers: ContainerSummary[];
  /** Image references the project pulls → whether the engine already has them. */
  localImages: Record<string, boolean>;
  /** Image references the project pulls → the image ID they point at, when present. */
  imageIds: Record<string, string>;
  /** `sql:` step → a hash of its folder's files (names and contents). */
  fileHashes: Record<string, string>;
  /** Postgres service → the hash of its init files now (engine/init-files.ts). */
  initHashes?: Record<string, string>;
  /** "<project>/<step>" → what the step last succeeded with. */
  migrationRecords: Record<string, MigrationRecord>;
  /** Build service → hash of its build context, Dockerfile, target and args. */
  contextHashes: Record<string, string>;
  /** Build service → its context file by file now, and as its image was last built (when recorded). */
  contexts: Record<string, { now: ContextManifest; built?: BuildRecord }>;
  /** Fixed host ports the project publishes that something else holds. */
  busyPorts: BusyPorts;
  /** Host ports the project's own running service containers hold → which service. */
  projectPorts: Record<number, string>;
  /** The host ports chosen for ports declared as 0 (remembered, else free now). */
  ports: PortChoices;
  /** Names `up` would create that a resource outside the project has. */
  foreign?: ForeignName[];
  /** The project's containers another, still existing, devenv.yml made. */
  otherCheckouts?: OtherCheckout[];
}

export async function observe(runtime: Runtime, project: Project, host?: HostProcesses): Promise<ObservedState> {
  const pulled = new Set<string>();
  const contextHashes: Record<string, string> = {};
  const contexts: ObservedState['contexts'] = {};
  const records = readBuildRecords(project.dir);
  const caches = readContentCaches(project.dir);
  const cachesBefore = JSON.stringify(caches);
  const hashing: Promise<void>[] = [];
  for (const s of project.services) {
    if (s.kind === 'container' && s.build) {
      const build = s.build;
      const now: ContextManifest = {};
      const built = records[`${project.name}/${s.name}`];
      contexts[s.name] = { now, ...(built ? { built } : {}) };
      hashing.push(hashBuildContext(build, now, (caches[build.context] ??= {})).then(
        (hash) => void (contextHashes[s.name] = hash),
        (error: unknown) => {
          if (error instanceof DevenvError) throw error;
          throw new DevenvError('IMAGE_BUILD_FAILED', `cannot read the build context of ${s.name} (${build.context}): ${(error as Error).message}`, {
            hint: 'Make it readable, or exclude what cannot be read in its .dockerignore.',
            cause: error,
          });
        },
      ));
    } else if (s.kind === 'postgres' || (s.kind === 'container' && !s.buildFrom)) {
      pulled.add(s.image);
    }
  }
  const fileHashes: Record<string, string> = {};
  const [state, present] = await Promise.all([
    observeProject(runtime, project.name, host),
    Promise.all([...pulled].map(async (ref) => [ref, await runtime.imageId(ref)] as const)),
    Promise.all(hashing),
    // A folder that cannot be read is the migration's to report, when it runs.
    Promise.all(project.migrations.map(async (m) => {
      const hash = await stepFilesHash(m);
      if (hash) fileHashes[m.name] = hash;
    })),
  ]);
  if (JSON.stringify(caches) !== cachesBefore) saveContentCaches(project.dir, caches);
  // The host ports each service's current container holds, by service/containerPort/protocol, and by port.
  const held: Record<string, number> = {};
  const projectPorts: Record<number, string> = {};
  for (const c of state.containers) {
    if (c.labels[LABELS.role] !== 'service') continue;
    for (const p of c.ports) {
      if (p.hostPort === 0) continue;
      held[portKey(c.labels[LABELS.service] ?? '', p.containerPort, p.protocol)] = p.hostPort;
      if (c.state === 'running') projectPorts[p.hostPort] = c.labels[LABELS.service] ?? c.name;
    }
  }
  const processPorts = project.services.filter((s) => s.kind === 'process' && s.port !== undefined && state.processes.get(s.name)?.state === 'running')
    .map((s) => (s.kind === 'process' ? s.port! : 0));
  const checks = namesToCheck(project, state);
  const [busyPorts, ports, found] = await Promise.all([
    busyHostPorts(runtime, project, state.containers, processPorts),
    choosePorts(project, held),
    Promise.all(checks.map(async (c) => ({ ...c, labels: await runtime.labelsByName(c.kind, c.name) }))),
  ]);
  const foreign = foreignOf(project.name, found);
  const otherCheckouts = otherCheckoutsOf(project, state.containers);
  const local = readLocalState(project.dir);
  const failed = local.failed;
  const groups = groupByService(state.containers);
  const services = new Map<string, ObservedService>();
  for (const s of project.services) {
    const [container, ...duplicates] = groups.get(s.name) ?? [];
    const kept = failed[stateKey(project.name, s.name)];
    services.set(s.name, { duplicates, ...(container ? { container } : {}), ...(kept && kept.containerId === container?.id ? { failed: kept } : {}) });
  }
  const names = new Set(project.services.map((s) => s.name));
  return {
    ...state,
    services,
    orphans: state.containers.filter((c) => c.labels[LABELS.role] === 'service' && !names.has(c.labels[LABELS.service] ?? '')),
    leftovers: state.containers.filter((c) => c.labels[LABELS.role] !== 'service'),
    localImages: Object.fromEntries(present.map(([ref, id]) => [ref, id !== undefined])),
    imageIds: Object.fromEntries(present.filter((e): e is readonly [string, string] => e[1] !== undefined)),
    fileHashes,
    initHashes: Object.fromEntries(project.services.flatMap((s) => (s.kind === 'postgres' ? [[s.name, initFilesHash(s)] as const] : []))),
    migrationRecords: local.migrations,
    contextHashes,
    contexts,
    busyPorts,
    projectPorts,
    ports,
    ...(foreign.length > 0 ? { foreign } : {}),
    ...(otherCheckouts.length > 0 ? { otherCheckouts } : {}),
  };
}
