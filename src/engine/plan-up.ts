/**
 * plan for `up`: pure. (project, observed, options) → Plan.
 */
import type { Project, Service } from '../config/project.js';
import { DevenvError } from '../errors.js';
import { LABELS, type ContainerSummary, type ImageSummary } from '../runtime/runtime.js';
import { declaredHostPorts } from './host-ports.js';
import { networkName } from './names.js';
import type { ObservedState } from './observe.js';
import { PlanBuilder, type Plan } from './plan.js';
import { changedFields, desiredContainer, desiredVolumes, FIELDS_LABEL, type DesiredContainer } from './service-spec.js';

export interface UpOptions {
  /** Rebuild images even when their build context is unchanged. */
  build?: boolean;
  /** Recreate containers even when their config is unchanged. */
  forceRecreate?: boolean;
}

export function planUp(project: Project, observed: ObservedState, options: UpOptions = {}): Plan {
  refuseBusyPorts(project, observed);
  const plan = new PlanBuilder();
  const byService = new Map<string, Service>(project.services.map((s) => [s.name, s]));

  const net = networkName(project.name);
  const networkStep = observed.networks.some((n) => n.name === net) ? undefined : plan.add({ kind: 'network.create', name: net }, 'no network');

  const volumeSteps = new Map<string, number>();
  for (const name of desiredVolumes(project)) {
    if (!observed.volumes.some((v) => v.name === name)) volumeSteps.set(name, plan.add({ kind: 'volume.create', name }, 'no volume'));
  }

  // Images: one pull per reference, one build per built service.
  const imageSteps = new Map<string, number>();
  const pullSteps = new Map<string, number>();
  for (const s of project.services) {
    if (s.kind === 'container' && s.build) {
      const hash = observed.contextHashes[s.name] ?? '';
      const built = builtImage(observed, s.name, s.image);
      const cause = options.build ? '--build'
        : !built ? 'no image built yet'
        : built.labels[LABELS.contextHash] !== hash ? 'build context changed' : undefined;
      if (cause) imageSteps.set(s.name, plan.add({ kind: 'image.build', service: s.name, build: s.build, tag: s.image, contextHash: hash }, cause));
    } else if (!observed.localImages[s.image]) {
      const step = pullSteps.get(s.image) ?? plan.add({ kind: 'image.pull', image: s.image }, 'image not present');
      pullSteps.set(s.image, step);
      imageSteps.set(s.name, step);
    }
  }

  // Containers that no longer belong: services gone from devenv.yml, one-offs left by an interrupted run.
  // They go before anything new starts: they may hold a host port or a name a new container needs.
  const cleanup: number[] = [];
  for (const c of observed.containers) {
    const service = c.labels[LABELS.service] ?? '';
    const role = c.labels[LABELS.role];
    const cause = role !== 'service' ? 'left over from an interrupted run'
      : !byService.has(service) ? 'service no longer in devenv.yml'
      : undefined;
    if (cause) cleanup.push(plan.add({ kind: 'container.remove', service: service || c.name, containerId: c.id, name: c.name }, cause));
  }

  // What happens to each service's container, decided first: a container being replaced that holds a
  // fixed host port another service now wants must go before that service starts.
  const decisions = new Map(project.services.map((s) => [s.name, decide(s, project, observed, options, imageSteps.has(s.name))]));
  const wantedPorts = new Map(project.services.map((s) => [s.name, new Set(decisions.get(s.name)!.desired.spec.ports.map((p) => p.hostPort).filter((p) => p > 0))]));
  const earlyRemovals = new Map<string, number>();
  for (const [name, d] of decisions) {
    if (!d.current || d.recreate === undefined) continue;
    const current = d.current;
    const wanted = [...wantedPorts].find(([other, ports]) => other !== name && current.ports.some((p) => ports.has(p.hostPort)));
    if (!wanted) continue;
    const id = plan.add({ kind: 'container.remove', service: name, containerId: current.id, name: current.name }, `${d.recreate}; frees a port ${wanted[0]} wants`);
    earlyRemovals.set(name, id);
    cleanup.push(id);
  }

  const neededByMigrations = migrationDependencies(project, byService);
  const readySteps = new Map<string, number | undefined>();
  let lastMigration: number | undefined;
  const pendingAfterMigrations: Service[] = [];

  const startService = (s: Service, extraDeps: (number | undefined)[]): void => {
    const { desired, current, extra, recreate } = decisions.get(s.name)!;
    const deps = [
      networkStep,
      imageSteps.get(s.name),
      ...volumesOf(desired.spec.mounts, volumeSteps),
      ...s.dependsOn.map((d) => readySteps.get(d)),
      ...extraDeps,
      ...cleanup,
    ];
    for (const c of extra) deps.push(plan.add({ kind: 'container.remove', service: s.name, containerId: c.id, name: c.name }, 'duplicate container'));
    let containerStep: number | undefined;
    if (current && recreate === undefined) {
      if (current.state !== 'running') {
        containerStep = plan.add({ kind: 'container.start', service: s.name, containerId: current.id }, `container is ${current.state}`, deps);
      }
    } else {
      if (current && !earlyRemovals.has(s.name)) {
        // Removed only when its replacement could start: a failing build or migration leaves it running.
        deps.push(plan.add({ kind: 'container.remove', service: s.name, containerId: current.id, name: current.name }, recreate!, [...deps]));
      }
      containerStep = plan.add({ kind: 'container.create', service: s.name, desired }, recreate ?? 'no existing container', deps);
    }
    // A reused container is checked once what it depends on (and the migrations) are ready too.
    const [cause, readyDeps] = containerStep === undefined ? ['container reused', deps] : ['after start', [containerStep]];
    const ready = s.kind === 'postgres'
      ? plan.add({ kind: 'postgres.ready', service: s.name }, cause, readyDeps)
      : plan.add({ kind: 'service.healthy', service: s.name }, cause, readyDeps);
    readySteps.set(s.name, ready);
  };

  const visited = new Set<string>();
  const visit = (s: Service): void => {
    if (visited.has(s.name)) return;
    visited.add(s.name);
    for (const d of s.dependsOn) {
      const dep = byService.get(d);
      if (dep) visit(dep);
    }
    if (s.kind === 'container' && !neededByMigrations.has(s.name) && project.migrations.length > 0) pendingAfterMigrations.push(s);
    else startService(s, []);
  };
  project.services.forEach(visit);

  project.migrations.forEach((m, index) => {
    const deps = m.kind === 'sql'
      ? [readySteps.get(m.database)]
      : [networkStep, imageSteps.get(m.service), ...volumesOf(serviceMounts(byService.get(m.service)), volumeSteps), ...(byService.get(m.service)?.dependsOn ?? []).map((d) => readySteps.get(d))];
    lastMigration = plan.add({ kind: 'migration', migration: m, index }, 'applies what is new', [...deps, ...cleanup, lastMigration]);
  });

  // Services that wait for migrations start in dependency order once the last one is done.
  for (const s of pendingAfterMigrations) startService(s, [lastMigration]);

  // Images an earlier rebuild left untagged: once every container is settled, nothing of ours needs them.
  const settled = plan.steps.filter((s) => s.kind.startsWith('container.')).map((s) => s.id);
  for (const image of observed.images.filter((i) => i.tags.length === 0)) {
    plan.add({ kind: 'image.remove', ref: image.id, name: image.id.replace(/^sha256:/, '').slice(0, 12), bestEffort: true }, 'left untagged by a rebuild', settled);
  }

  return { project: project.name, steps: plan.steps };
}

function volumesOf(mounts: { type: string; source: string }[], volumeSteps: Map<string, number>): (number | undefined)[] {
  return mounts.filter((m) => m.type === 'volume').map((m) => volumeSteps.get(m.source));
}

interface Decision {
  desired: DesiredContainer;
  current?: ContainerSummary;
  /** Duplicates of the service's container, removed. */
  extra: ContainerSummary[];
  /** Why the current container is replaced; undefined: reused (or there is none). */
  recreate?: string;
}

function decide(s: Service, project: Project, observed: ObservedState, options: UpOptions, rebuilding: boolean): Decision {
  const desired = desiredContainer(project, s, observed.contextHashes[s.name]);
  const [current, ...extra] = observed.containers.filter((c) => c.labels[LABELS.role] === 'service' && c.labels[LABELS.service] === s.name);
  if (!current) return { desired, extra };
  const changed = changedFields(current.labels[FIELDS_LABEL], desired.fields);
  // The tag may point at a newer image than the container runs (an earlier run built it and failed).
  const built = s.kind === 'container' && s.build ? builtImage(observed, s.name, s.image) : undefined;
  const recreate = options.forceRecreate ? '--force-recreate'
    : current.labels[LABELS.configHash] !== desired.hash ? `config changed: ${changed.join(', ') || 'labels'}`
    : options.build && rebuilding ? 'image rebuilt (--build)'
    : built && current.imageId && built.id !== current.imageId ? 'image rebuilt since the container was created'
    : undefined;
  return { desired, current, extra, recreate };
}

function refuseBusyPorts(project: Project, observed: ObservedState): void {
  const problems = project.services.flatMap((s) => {
    const ports = declaredHostPorts(s).map((p) => p.hostPort);
    return ports.filter((port) => observed.busyPorts[port]).map((port) => ({ service: s.name, port, holder: observed.busyPorts[port]! }));
  });
  const [first, ...more] = problems;
  if (!first) return;
  throw new DevenvError('PORT_IN_USE', `port 127.0.0.1:${first.port} for ${first.service} is already in use by ${first.holder}`, {
    details: more.map((p) => `port 127.0.0.1:${p.port} for ${p.service} is already in use by ${p.holder}`),
    hint: `Stop what holds it (\`devenv down -p NAME\` for another devenv project), or change the host port in \`port\`/\`ports\` of ${first.service} in devenv.yml (0 picks a free one).`,
  });
}

function serviceMounts(service: Service | undefined): { type: string; source: string }[] {
  return service?.kind === 'container' ? service.volumes : [];
}

/** The image devenv built for a service, found by its tag. */
function builtImage(observed: ObservedState, service: string, tag: string): ImageSummary | undefined {
  return observed.images.find((i) => i.labels[LABELS.service] === service && i.tags.map(withTag).includes(withTag(tag)));
}

/** "redis" → "redis:latest"; references with a tag or digest stay as they are. */
function withTag(ref: string): string {
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  return name.includes(':') || name.includes('@') ? ref : `${ref}:latest`;
}

/** Services a migration needs running: the dependencies (transitively) of each `run:` migration's service, and each `sql:` database. */
function migrationDependencies(project: Project, byService: Map<string, Service>): Set<string> {
  const needed = new Set<string>();
  const add = (name: string): void => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const d of byService.get(name)?.dependsOn ?? []) add(d);
  };
  for (const m of project.migrations) {
    if (m.kind === 'sql') add(m.database);
    else for (const d of byService.get(m.service)?.dependsOn ?? []) add(d);
  }
  return needed;
}

