/**
 * plan for `up` (and `restart`, `start`, and `run`'s preparation): pure. (project, observed, options) → Plan.
 */
import type { Project, Service } from '../config/project.js';
import { DevenvError } from '../errors.js';
import type { ContainerSummary, ImageSummary } from '../runtime/runtime.js';
import { describeChanges } from './build-manifests.js';
import { declaredHostPorts } from './host-ports.js';
import { LABELS } from './labels.js';
import { networkName } from './names.js';
import type { ObservedState } from './observe.js';
import { PlanBuilder, type Plan } from './plan.js';
import { portKey, withChosenPorts } from './port-memory.js';
import { migrationNeeds, selectServices, type SelectOptions, type Selection } from './plan-select.js';
import { changedFields, desiredContainer, desiredVolumes, type DesiredContainer } from './service-spec.js';

export interface UpOptions extends SelectOptions {
  /** Rebuild the images of the named services even when their build context is unchanged. */
  build?: boolean;
  /** Recreate the containers of the named services even when their config is unchanged. */
  forceRecreate?: boolean;
}

export function planUp(project: Project, observed: ObservedState, options: UpOptions = {}): Plan {
  const mode = options.mode ?? 'up';
  const selection = selectServices(project, options);
  const byName = new Map(project.services.map((s) => [s.name, s]));
  const started = project.services.filter((s) => selection.started.has(s.name));
  if (mode === 'start') refuseMissing(started, observed);
  const decisions = new Map(started.map((s) => [s.name, decide(s, project, observed, options, selection)]));
  refuseBusyPorts(started.filter((s) => decisions.get(s.name)!.recreate !== undefined || !decisions.get(s.name)!.current), observed);

  const plan = new PlanBuilder();
  const net = networkName(project.name);
  const networkStep = observed.networks.some((n) => n.name === net) || mode === 'start'
    ? undefined
    : plan.add({ kind: 'network.create', name: net }, 'no network');

  const volumeSteps = new Map<string, number>();
  const neededVolumes = project.services.filter((s) => selection.started.has(s.name) || (selection.migrations && isRunMigrationService(project, s.name)));
  for (const name of desiredVolumes({ ...project, services: neededVolumes })) {
    if (mode !== 'start' && !observed.volumes.some((v) => v.name === name)) volumeSteps.set(name, plan.add({ kind: 'volume.create', name }, 'no volume'));
  }

  const imageSteps = mode === 'start' ? new Map<string, number>() : planImages(plan, project, observed, options, selection, decisions);

  // Containers that no longer belong: services gone from devenv.yml, one-offs left by an interrupted
  // run, duplicates. They go before anything new starts: they may hold a host port or a name.
  const cleanup: number[] = [];
  const remove = (c: ContainerSummary, service: string, cause: string) =>
    cleanup.push(plan.add({ kind: 'container.remove', service, containerId: c.id, name: c.name }, cause));
  for (const c of observed.orphans) remove(c, c.labels[LABELS.service] ?? c.name, 'service no longer in devenv.yml');
  // A `devenv run` still running in another terminal is not a leftover.
  for (const c of observed.leftovers.filter((c) => c.labels[LABELS.role] === 'migration' || c.state !== 'running')) {
    remove(c, c.name, 'one-off container left over from an interrupted run');
  }
  for (const s of started) for (const c of observed.services.get(s.name)?.duplicates ?? []) remove(c, s.name, 'duplicate container');

  // A container being replaced that holds a fixed host port another service now wants must go
  // before that service starts.
  const earlyRemovals = new Map<string, number>();
  const wantedPorts = [...decisions].map(([name, d]) => [name, new Set(d.desired.spec.ports.map((p) => p.hostPort).filter((p) => p > 0))] as const);
  for (const [name, d] of decisions) {
    if (!d.current || d.recreate === undefined) continue;
    const current = d.current;
    const wanted = wantedPorts.find(([other, ports]) => other !== name && current.ports.some((p) => ports.has(p.hostPort)));
    if (!wanted) continue;
    const id = plan.add({ kind: 'container.remove', service: name, containerId: current.id, name: current.name, replacesRunning: current.state === 'running' }, `${d.recreate}; frees a port ${wanted[0]} wants`);
    earlyRemovals.set(name, id);
    cleanup.push(id);
  }

  /** Step after which a service counts as started / as ready (healthy, or completed); undefined: already so. */
  const startSteps = new Map<string, number | undefined>();
  const readySteps = new Map<string, number | undefined>();
  const waitFor = (s: Service): (number | undefined)[] =>
    s.dependsOn.filter((d) => selection.started.has(d.service)).map((d) => (d.condition === 'started' ? startSteps.get(d.service) : readySteps.get(d.service)));

  const startService = (s: Service, extraDeps: (number | undefined)[]): void => {
    const { desired, current, recreate, done } = decisions.get(s.name)!;
    const deps = [networkStep, imageSteps.get(s.name), ...volumesOf(desired.spec.mounts, volumeSteps), ...waitFor(s), ...extraDeps, ...cleanup];
    let containerStep: number | undefined;
    if (current && recreate === undefined) {
      if (current.state !== 'running' && !done) {
        containerStep = plan.add({ kind: 'container.start', service: s.name, containerId: current.id }, `container is ${current.state}`, deps);
      } else if (mode === 'restart' && current.state === 'running') {
        containerStep = plan.add({ kind: 'container.restart', service: s.name, containerId: current.id }, 'config unchanged', deps);
      }
    } else {
      if (current && !earlyRemovals.has(s.name)) {
        // Removed only when its replacement could start: a failing build or migration leaves it running.
        deps.push(plan.add({ kind: 'container.remove', service: s.name, containerId: current.id, name: current.name, replacesRunning: current.state === 'running' }, recreate!, [...deps]));
      }
      const spec = withChosenPorts(desired.spec, s.name, observed.ports);
      const chosen = spec.ports.filter((p, i) => p.hostPort !== desired.spec.ports[i]!.hostPort)
        .map((p) => `127.0.0.1:${p.hostPort}${observed.ports[portKey(s.name, p.containerPort, p.protocol)]?.remembered ? ' (remembered)' : ''}`);
      const cause = `${recreate ?? 'no existing container'}${chosen.length ? `; host port ${chosen.join(', ')}` : ''}`;
      containerStep = plan.add({ kind: 'container.create', service: s.name, desired: { ...desired, spec }, declaredPorts: desired.spec.ports }, cause, deps);
    }
    startSteps.set(s.name, containerStep);
    // A reused container is checked once what it depends on (and the migrations) are ready too.
    const [cause, readyDeps] = containerStep !== undefined ? ['after start', [containerStep]]
      : done ? ['completed earlier; config unchanged', deps]
        : ['container reused', deps];
    const kind = s.kind === 'postgres' ? 'postgres.ready' : s.oneshot ? 'service.completed' : 'service.healthy';
    readySteps.set(s.name, plan.add({ kind, service: s.name }, cause, readyDeps));
  };

  const needed = migrationNeeds(project, byName);
  const afterMigrations: Service[] = [];
  const visited = new Set<string>();
  const visit = (s: Service): void => {
    if (visited.has(s.name) || !selection.started.has(s.name)) return;
    visited.add(s.name);
    for (const d of s.dependsOn) visit(byName.get(d.service)!);
    if (selection.migrations && s.kind === 'container' && !needed.has(s.name)) afterMigrations.push(s);
    else startService(s, []);
  };
  started.forEach(visit);

  let lastMigration: number | undefined;
  if (selection.migrations) {
    project.migrations.forEach((m, index) => {
      const deps = m.kind === 'sql'
        ? [readySteps.get(m.database)]
        : [networkStep, imageSteps.get(m.service), ...volumesOf(mountsOf(byName.get(m.service)), volumeSteps), ...waitFor(byName.get(m.service)!)];
      lastMigration = plan.add({ kind: 'migration', migration: m, index }, 'applies what is new', [...deps, ...cleanup, lastMigration]);
    });
  }
  // Services that wait for migrations start in dependency order once the last one is done.
  for (const s of afterMigrations) startService(s, [lastMigration]);

  // Images an earlier rebuild left untagged: once every container is settled, nothing of ours needs them.
  if (mode !== 'start') {
    const settled = plan.steps.filter((s) => s.kind.startsWith('container.')).map((s) => s.id);
    for (const image of observed.images.filter((i) => i.tags.length === 0)) {
      plan.add({ kind: 'image.remove', ref: image.id, name: image.id.replace(/^sha256:/, '').slice(0, 12), bestEffort: true }, 'left untagged by a rebuild', settled);
    }
  }
  return { project: project.name, steps: plan.steps };
}

/** Builds and pulls for every service whose image is needed: one pull per reference, one build per built service. */
function planImages(plan: PlanBuilder, project: Project, observed: ObservedState, options: UpOptions, selection: Selection, decisions: Map<string, Decision>): Map<string, number> {
  const steps = new Map<string, number>();
  const pulls = new Map<string, number>();
  const needed = project.services.filter((s) => selection.started.has(s.name) || selection.imageOnly.has(s.name));
  // Built images first, so services sharing one find its step.
  for (const s of needed) {
    if (s.kind !== 'container' || !s.build) continue;
    const hash = observed.contextHashes[s.name] ?? '';
    const built = builtImage(observed, s.name, s.image);
    const context = observed.contexts[s.name];
    const changes = context?.built && context.built.contextHash === built?.labels[LABELS.contextHash] ? describeChanges(context.built.files, context.now) : '';
    const cause = options.build && selection.named.has(s.name) ? '--build'
      : !built ? 'no image built yet'
        : built.labels[LABELS.contextHash] !== hash ? `build context changed${changes ? `: ${changes}` : ''}` : undefined;
    if (cause) steps.set(s.name, plan.add({ kind: 'image.build', service: s.name, build: s.build, tag: s.image, contextHash: hash, ...(context ? { manifest: context.now } : {}) }, cause));
  }
  for (const s of needed) {
    if (s.kind === 'container' && s.build) continue;
    if (s.kind === 'container' && s.buildFrom) {
      const step = steps.get(s.buildFrom);
      if (step !== undefined) steps.set(s.name, step);
      continue;
    }
    // A reused container does not need its image again.
    const decision = decisions.get(s.name);
    if (observed.localImages[s.image] || (decision?.current && decision.recreate === undefined)) continue;
    const step = pulls.get(s.image) ?? plan.add({ kind: 'image.pull', image: s.image }, 'image not present');
    pulls.set(s.image, step);
    steps.set(s.name, step);
  }
  return steps;
}

function volumesOf(mounts: { type: string; source: string }[], volumeSteps: Map<string, number>): (number | undefined)[] {
  return mounts.filter((m) => m.type === 'volume').map((m) => volumeSteps.get(m.source));
}

interface Decision {
  desired: DesiredContainer;
  current?: ContainerSummary;
  /** Why the current container is replaced; undefined: reused (or there is none). */
  recreate?: string;
  /** A one-shot that completed with this config: nothing to run. */
  done?: boolean;
}

function decide(s: Service, project: Project, observed: ObservedState, options: UpOptions, selection: Selection): Decision {
  const source = s.kind === 'container' ? (s.buildFrom ?? (s.build ? s.name : undefined)) : undefined;
  const desired = desiredContainer(project, s, source ? observed.contextHashes[source] : undefined);
  const seen = observed.services.get(s.name);
  const current = seen?.container;
  if (!current) return { desired };
  if ((options.mode ?? 'up') === 'start') return { desired, current };
  const changed = changedFields(current.labels[LABELS.configFields], desired.fields);
  // The tag may point at a newer image than the container runs (an earlier run built it and failed).
  const built = source ? builtImage(observed, source, s.image) : undefined;
  const oneshot = s.kind === 'container' && s.oneshot;
  const rebuilt = options.build && source !== undefined && selection.named.has(source);
  const recreate = options.forceRecreate && selection.named.has(s.name) ? '--force-recreate'
    : current.labels[LABELS.configHash] !== desired.hash ? `config changed: ${changed.join(', ') || 'labels'}`
      : rebuilt ? 'image rebuilt (--build)'
      : built && current.imageId && built.id !== current.imageId ? 'image rebuilt since the container was created'
        : seen.failed ? `replaces the container a failed run kept (${seen.failed.reason})`
          : oneshot && current.state === 'exited' && current.exitCode !== 0 ? `its last run exited with code ${current.exitCode ?? '?'}`
            : undefined;
  const done = oneshot && recreate === undefined && current.state === 'exited' && current.exitCode === 0;
  return { desired, current, ...(recreate ? { recreate } : {}), ...(done ? { done } : {}) };
}

function refuseMissing(services: Service[], observed: ObservedState): void {
  const missing = services.filter((s) => !observed.services.get(s.name)?.container).map((s) => s.name);
  if (missing.length === 0) return;
  throw new DevenvError('USAGE', `no container to start for ${missing.join(', ')}`, {
    hint: `\`devenv start\` starts existing containers; \`devenv up ${missing.join(' ')}\` creates them.`,
  });
}

function refuseBusyPorts(services: Service[], observed: ObservedState): void {
  const problems = services.flatMap((s) => {
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

function mountsOf(service: Service | undefined): { type: string; source: string }[] {
  return service?.kind === 'container' ? service.volumes : [];
}

function isRunMigrationService(project: Project, name: string): boolean {
  return project.migrations.some((m) => m.kind === 'run' && m.service === name);
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
