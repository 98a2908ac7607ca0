/**
 * plan for `up` (and `restart`, `start`, and `run`'s preparation): pure. (project, observed, options) → Plan.
 * Containers and host processes are resources alike: created or started, kept when unchanged,
 * replaced with the cause, then checked.
 */
import { migrationDatabases, referredServices, type Project, type Service } from '../config/project.js';
import { DevenvError } from '../errors.js';
import type { ContainerSummary } from '../runtime/runtime.js';
import { builtImage, decideContainer, decideProcess, type ContainerDecision, type ProcessDecision } from './decide.js';
import { declaredHostPorts } from './host-ports.js';
import { INIT_CHANGED, initFilesChanged } from './init-files.js';
import { LABELS } from './labels.js';
import { dataVolumeName, networkName } from './names.js';
import type { ObservedState } from './observe.js';
import { PlanBuilder, type Plan, type StepAction } from './plan.js';
import { imageBuilds, planImages } from './plan-images.js';
import { alwaysRuns, inputsChange, migrationInputs, type MigrationFacts } from './plan-migrations.js';
import { migrationKey } from './run-state.js';
import { imageSourceOf, migrationNeeds, selectServices, type SelectOptions } from './plan-select.js';
import { portKey, withChosenPorts } from './port-memory.js';
import { desiredVolumes } from './service-spec.js';
import { refuseForeignNames, refuseOtherCheckouts } from './plan-ownership.js';
import { majorMismatch, postgresMajor } from './postgres-major.js';
import { POSTGRES_PORT, publishedPostgresPort } from './postgres-port.js';

export interface UpOptions extends SelectOptions {
  /** Rebuild the images of the named services even when their build context is unchanged. */
  build?: boolean;
  /** Recreate the containers (restart the processes) of the named services even when their config is unchanged. */
  forceRecreate?: boolean;
  /** Run every migration step, even those whose inputs are unchanged since their last success. */
  migrate?: boolean;
  /**
   * `up --plan`: what would stop `up` before it changes anything (a taken port, a foreign name) is
   * handed here and the plan goes on, so it can still be shown. Without it, planUp throws.
   */
  onRefusal?: (error: DevenvError) => void;
}

export function planUp(project: Project, observed: ObservedState, options: UpOptions = {}): Plan {
  const mode = options.mode ?? 'up';
  const refuse = (check: () => void): void => {
    if (!options.onRefusal) return check();
    try {
      check();
    } catch (error) {
      if (!(error instanceof DevenvError)) throw error;
      options.onRefusal(error);
    }
  };
  refuse(() => refuseForeignNames(project, observed.foreign));
  refuse(() => refuseOtherCheckouts(project, observed.otherCheckouts));
  const selection = selectServices(project, options);
  const byName = new Map(project.services.map((s) => [s.name, s]));
  const started = project.services.filter((s) => selection.started.has(s.name));
  if (mode === 'start') refuse(() => refuseMissing(started, observed));
  if (mode === 'restart') refuse(() => refuseStoppedDependencies(started, byName, observed));
  const builds = mode === 'start' ? new Map<string, string>() : imageBuilds(project, observed, options, selection);
  const containers = new Map<string, ContainerDecision>();
  for (const s of started) if (s.kind !== 'process') containers.set(s.name, decideContainer(s, project, observed, options, selection, builds));
  refuse(() => refuseOtherMajor(project, observed, started, containers));
  const processes = new Map<string, ProcessDecision>();
  const hostPorts = databaseHostPorts(project, observed, containers);
  for (const s of started) if (s.kind === 'process') processes.set(s.name, decideProcess(s, project, observed, options, selection, hostPorts));
  refuse(() => refuseBusyPorts(started.filter((s) => (s.kind === 'process' ? processes.get(s.name)!.start !== undefined : containers.get(s.name)!.recreate !== undefined || !containers.get(s.name)!.current)), observed));

  const plan = new PlanBuilder();
  const anyContainer = started.some((s) => s.kind !== 'process') || selection.migrations;
  const net = networkName(project.name);
  const networkStep = !anyContainer || observed.networks.some((n) => n.name === net) || mode === 'start'
    ? undefined
    : plan.add({ kind: 'network.create', name: net }, 'no network');

  const volumeSteps = new Map<string, number>();
  const neededVolumes = project.services.filter((s) => selection.started.has(s.name) || (selection.migrations && project.migrations.some((m) => m.kind === 'run' && m.service === s.name)));
  for (const name of desiredVolumes({ ...project, services: neededVolumes })) {
    if (mode !== 'start' && !observed.volumes.some((v) => v.name === name)) volumeSteps.set(name, plan.add({ kind: 'volume.create', name }, 'no volume'));
  }

  const imageSteps = mode === 'start' ? new Map<string, number>() : planImages(plan, project, observed, builds, selection, containers);

  // What no longer belongs goes before anything new starts: it may hold a host port or a name.
  const cleanup: number[] = [];
  const remove = (c: ContainerSummary, service: string, cause: string) =>
    cleanup.push(plan.add({ kind: 'container.remove', service, containerId: c.id, name: c.name }, cause));
  for (const c of observed.orphans) remove(c, c.labels[LABELS.service] ?? c.name, 'service no longer in devenv.yml');
  // A `devenv run` still running in another terminal is not a leftover.
  for (const c of observed.leftovers.filter((c) => c.labels[LABELS.role] === 'migration' || c.state !== 'running')) {
    remove(c, c.name, 'one-off container left over from an interrupted run');
  }
  for (const s of started) for (const c of observed.services.get(s.name)?.duplicates ?? []) remove(c, s.name, 'duplicate container');
  const orphaned = [...observed.processes.values()].filter((p) => p.orphaned).map((p) => p.service);
  if (orphaned.length > 0) cleanup.push(plan.add({ kind: 'process.orphans', services: orphaned }, 'left running by a supervisor that was killed'));
  for (const p of observed.processes.values()) {
    if (!byName.has(p.service)) cleanup.push(plan.add({ kind: 'process.remove', service: p.service }, 'service no longer in devenv.yml'));
  }
  // A service switched between a container and a host process: what ran it before goes.
  for (const s of started) {
    const container = observed.services.get(s.name)?.container;
    if (s.kind === 'process' && container) remove(container, s.name, 'now a host process (process:)');
    if (s.kind !== 'process' && observed.processes.has(s.name)) cleanup.push(plan.add({ kind: 'process.remove', service: s.name }, 'now runs in a container'));
  }

  // A container being replaced that holds a fixed host port another service now wants must go
  // before that service starts.
  const earlyRemovals = new Map<string, number>();
  const wantedPorts = [...containers].map(([name, d]) => [name, new Set(d.desired.spec.ports.map((p) => p.hostPort).filter((p) => p > 0))] as const);
  for (const [name, d] of containers) {
    if (!d.current || d.recreate === undefined) continue;
    const current = d.current;
    const wanted = wantedPorts.find(([other, ports]) => other !== name && current.ports.some((p) => ports.has(p.hostPort)));
    if (!wanted) continue;
    // It goes whatever the build gives.
    delete d.keep;
    const id = plan.add({ kind: 'container.remove', service: name, containerId: current.id, name: current.name, replacesRunning: current.state === 'running' }, `${d.recreate}; frees a port ${wanted[0]} wants`);
    earlyRemovals.set(name, id);
    cleanup.push(id);
  }
  refuse(() => refuseProjectPorts(started, containers, processes, observed, earlyRemovals));

  /** Step after which a service counts as started / as ready (healthy, or completed); undefined: already so. */
  const startSteps = new Map<string, number | undefined>();
  const readySteps = new Map<string, number | undefined>();
  const waitFor = (s: Service): (number | undefined)[] =>
    s.dependsOn.filter((d) => selection.started.has(d.service)).map((d) => (d.condition === 'started' ? startSteps.get(d.service) : readySteps.get(d.service)));

  /**
   * The container steps of a service: start, restart, or (remove,) create and start; undefined: reused as
   * it is. `needs` are what creating it needs (image, network, volumes), `turn` what it starts after.
   */
  const containerStep = (s: Service, needs: (number | undefined)[], turn: (number | undefined)[]): { step?: number; done?: boolean } => {
    const decision = containers.get(s.name)!;
    const { desired, current, done, keep } = decision;
    // A replacement a rebuild may call off says so.
    const recreate = keep ? `${decision.recreate}; kept if the build gives the image it runs` : decision.recreate;
    const deps = [...needs, ...turn];
    if (current && recreate === undefined) {
      if (current.state !== 'running' && !done) return { step: plan.add({ kind: 'container.start', service: s.name, containerId: current.id }, `container is ${current.state}`, deps) };
      if (mode === 'restart' && current.state === 'running') return { step: plan.add({ kind: 'container.restart', service: s.name, containerId: current.id }, 'config unchanged', deps) };
      return { ...(done ? { done } : {}) };
    }
    const createDeps = [...needs];
    if (current && !earlyRemovals.has(s.name)) {
      // Removed only when its replacement could start: a failing build or migration leaves it running.
      // (The new container takes its name, so it is created after.)
      createDeps.push(plan.add({ kind: 'container.remove', service: s.name, containerId: current.id, name: current.name, replacesRunning: current.state === 'running', ...(keep ? { keep } : {}) }, recreate!, deps));
    }
    const spec = withChosenPorts(desired.spec, s.name, observed.ports);
    const chosen = spec.ports.filter((p, i) => p.hostPort !== desired.spec.ports[i]!.hostPort)
      .map((p) => `127.0.0.1:${p.hostPort}${observed.ports[portKey(s.name, p.containerPort, p.protocol)]?.remembered ? ' (remembered)' : ''}`);
    const cause = `${recreate ?? 'no existing container'}${chosen.length ? `; host port ${chosen.join(', ')}` : ''}`;
    const step = { kind: 'container.create', service: s.name, desired: { ...desired, spec }, declaredPorts: desired.spec.ports, ...(keep && current ? { keep: { ...keep, containerId: current.id } } : {}) } as const;
    if (turn.every((d) => d === undefined)) return { step: plan.add({ ...step, start: true }, cause, createDeps) };
    const created = plan.add(step, cause, createDeps);
    return { step: plan.add({ kind: 'container.start', service: s.name }, 'its turn', [created, ...turn]) };
  };

  /** The process step of a host process service; undefined: the running one is kept. */
  const processStep = (s: Service, deps: (number | undefined)[]): { step?: number; done?: boolean } => {
    const { current, start, done } = processes.get(s.name)!;
    if (start !== undefined) return { step: plan.add({ kind: 'process.start', service: s.name }, start, deps) };
    if (mode === 'restart' && current?.state === 'running') return { step: plan.add({ kind: 'process.restart', service: s.name }, 'config unchanged', deps) };
    return { ...(done ? { done } : {}) };
  };

  const startService = (s: Service, extraDeps: (number | undefined)[]): void => {
    const mounts = s.kind === 'process' ? [] : containers.get(s.name)!.desired.spec.mounts;
    const needs = [networkStep, imageSteps.get(s.name), ...volumesOf(mounts, volumeSteps), ...cleanup];
    const turn = [...waitFor(s), ...extraDeps];
    if (s.kind === 'process') turn.push(...Object.keys(hostPortRefs(s)).map((db) => readySteps.get(db)));
    const deps = [...needs, ...turn];
    const { step, done } = s.kind === 'process' ? processStep(s, deps) : containerStep(s, needs, turn);
    startSteps.set(s.name, step);
    // A reused one is checked once the migrations ran, and what it depends on that this plan starts is
    // ready; alongside the checks of what it depends on that is reused too.
    const started = s.dependsOn.filter((d) => startSteps.get(d.service) !== undefined).map((d) => readySteps.get(d.service));
    const checkDeps = [...needs, ...started, ...extraDeps];
    const [cause, readyDeps] = step !== undefined ? ['after start', [step]]
      : done ? ['completed earlier; config unchanged', deps]
        : [s.kind === 'process' ? 'process kept' : 'container reused', checkDeps];
    const kind = s.kind === 'postgres' ? 'postgres.ready' : s.oneshot ? 'service.completed' : 'service.healthy';
    const volume = s.kind === 'postgres' ? observed.volumes.find((v) => v.name === dataVolumeName(project.name, s.name)) : undefined;
    const stale = s.kind === 'postgres' && initFilesChanged(volume, observed.initHashes?.[s.name]);
    const user = volume?.labels[LABELS.postgresUser];
    const ready: StepAction = kind === 'postgres.ready' ? { kind, service: s.name, ...(step === undefined ? { reused: true } : {}), ...(user ? { initialisedUser: user } : {}) }
      : kind === 'service.healthy' && s.kind === 'process' && step === undefined ? { kind, service: s.name, kept: true } : { kind, service: s.name };
    readySteps.set(s.name, plan.add(ready, stale ? `${cause}; ${INIT_CHANGED}` : cause, readyDeps));
  };

  // The steps this plan runs: every one on `up`; on `restart`, the `run:` steps in an image it
  // rebuilds (new code may bring new migrations: the app must not start on the old schema).
  // A step may run in a service that shares the build of the one restarted (`build: { from: app }`).
  const sourceOf = (name: string) => imageSourceOf(byName, name);
  const imageStepOf = (name: string) => imageSteps.get(name) ?? imageSteps.get(sourceOf(name));
  const migrating = selection.migrations ? project.migrations
    : mode === 'restart' ? project.migrations.filter((m) => m.kind === 'run' && builds.has(sourceOf(m.service)) && [...selection.started].some((n) => sourceOf(n) === sourceOf(m.service))) : [];
  const needed = migrationNeeds(project, byName);
  const afterMigrations: Service[] = [];
  const visited = new Set<string>();
  const visit = (s: Service): void => {
    if (visited.has(s.name) || !selection.started.has(s.name)) return;
    visited.add(s.name);
    for (const d of s.dependsOn) visit(byName.get(d.service)!);
    if (migrating.length > 0 && s.kind !== 'postgres' && !needed.has(s.name)) afterMigrations.push(s);
    else startService(s, []);
  };
  started.forEach(visit);

  let lastMigration: number | undefined;
  if (migrating.length > 0) {
    const facts: MigrationFacts = {
      volumeIds: Object.fromEntries(observed.volumes.map((v) => [v.name, v.labels[LABELS.volumeId]])),
      imageId: (name) => {
        const s = byName.get(name);
        if (s?.kind !== 'container' || imageStepOf(name) !== undefined) return undefined;
        const source = s.build ? s.name : s.buildFrom;
        return source ? builtImage(observed, source, s.image)?.id : observed.imageIds[s.image];
      },
      fileHashes: observed.fileHashes,
    };
    project.migrations.forEach((m, index) => {
      if (!migrating.includes(m)) return;
      const now = migrationInputs(project, m, facts);
      const last = observed.migrationRecords[migrationKey(project.name, m.name)];
      if (!options.migrate && now && last && last.inputs === now.inputs && last.volumes === now.volumes) {
        // Nothing to wait for: a skipped step runs nothing.
        // A `when: fresh` step runs once per database even with --migrate: a new database (db reset) runs it again.
        lastMigration = plan.add({ kind: 'migration', migration: m, index, skip: true }, `unchanged since its last success on this database; skipped (${m.when === 'fresh' ? '`db reset` runs it again' : 'up --migrate runs it'})`, [lastMigration]);
        return;
      }
      const deps = m.kind === 'run'
        ? [networkStep, imageStepOf(m.service), ...volumesOf(mountsOf(byName.get(m.service)), volumeSteps), ...waitFor(byName.get(m.service)!)]
        : [];
      deps.push(...migrationDatabases(m).map((db) => readySteps.get(db)));
      const changed = inputsChange(now, last);
      // An input that is gone (a lock file of another package manager) makes the step run, not devenv.yml fail.
      const unreadable = m.kind !== 'sql' && m.inputs && !observed.fileHashes[m.name] ? 'an input it names is missing or unreadable: runs on every up' : undefined;
      const cause = options.migrate ? '--migrate' : m.when === 'fresh' ? 'once per database (when: fresh)' : mode === 'restart' && m.kind === 'run' ? `runs in ${m.service}'s image, rebuilt: applies what is new` : alwaysRuns(project, m) ?? unreadable ?? `applies what is new${changed ? ` (${changed})` : ''}`;
      // Its inputs are known once the image it runs is built: the same image as last time skips it then.
      const unlessUnchanged = !options.migrate && !now && last && m.kind === 'run' && imageStepOf(m.service) !== undefined && !alwaysRuns(project, m) ? last : undefined;
      const why = unlessUnchanged ? `${cause}; skipped if the image it runs comes out as it was at its last success` : cause;
      lastMigration = plan.add({ kind: 'migration', migration: m, index, ...(unlessUnchanged ? { unlessUnchanged } : {}) }, why, [...deps, ...cleanup, lastMigration]);
    });
  }
  // Services that wait for migrations start in dependency order once the last one is done.
  for (const s of afterMigrations) startService(s, [lastMigration]);

  // Images an earlier rebuild left untagged: once everything else is done (a build may tag one again,
  // a migration may run it), nothing of ours needs them. A restart that builds nothing touches no image.
  if (mode === 'up' || (mode === 'restart' && builds.size > 0)) {
    const settled = plan.steps.map((s) => s.id);
    for (const image of observed.images.filter((i) => i.tags.length === 0)) {
      plan.add({ kind: 'image.remove', ref: image.id, name: image.id.replace(/^sha256:/, '').slice(0, 12), bestEffort: true, untagged: true }, 'left untagged by a rebuild', settled);
    }
  }
  return { project: project.name, steps: plan.steps };
}

/** Each database's host port once settled: the reused container's, else the declared or chosen one. */
function databaseHostPorts(project: Project, observed: ObservedState, containers: Map<string, ContainerDecision>): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const s of project.services) {
    if (s.kind !== 'postgres') continue;
    const d = containers.get(s.name);
    const held = d?.current && d.recreate === undefined ? publishedPostgresPort(d.current.ports) : undefined;
    const container = observed.services.get(s.name)?.container;
    const current = container && publishedPostgresPort(container.ports);
    ports[s.name] = held ?? (s.hostPort || observed.ports[portKey(s.name, POSTGRES_PORT, 'tcp')]?.hostPort || current || 0);
  }
  return ports;
}

/** The databases a host process's env refers to. */
function hostPortRefs(s: Service): Record<string, true> {
  if (s.kind !== 'process') return {};
  return Object.fromEntries(referredServices(s.env).map((name) => [name, true] as const));
}

function volumesOf(mounts: { type: string; source: string }[], volumeSteps: Map<string, number>): (number | undefined)[] {
  return mounts.filter((m) => m.type === 'volume').map((m) => volumeSteps.get(m.source));
}

/** `restart app` touches app alone: what app needs must already run, or it would wait for nothing. */
function refuseStoppedDependencies(services: Service[], byName: Map<string, Service>, observed: ObservedState): void {
  for (const s of services) {
    for (const d of s.dependsOn) {
      const dep = byName.get(d.service)!;
      const running = dep.kind === 'process'
        ? ['running', 'backoff'].includes(observed.processes.get(dep.name)?.state ?? '') || (d.condition === 'completed' && observed.processes.get(dep.name)?.state === 'exited')
        : observed.services.get(dep.name)?.container?.state === 'running' || (d.condition === 'completed' && observed.services.get(dep.name)?.container?.exitCode === 0);
      if (!running) {
        throw new DevenvError('USAGE', `${dep.name}, which ${s.name} depends on, is not running`, {
          hint: `\`devenv start ${dep.name}\` (or \`devenv up ${s.name}\`, which brings up what it needs) first.`,
        });
      }
    }
  }
}

function refuseMissing(services: Service[], observed: ObservedState): void {
  const missing = services.filter((s) => (s.kind === 'process' ? !observed.processes.has(s.name) : !observed.services.get(s.name)?.container)).map((s) => s.name);
  if (missing.length === 0) return;
  throw new DevenvError('USAGE', `nothing to start for ${missing.join(', ')}: no container or process yet`, {
    hint: `\`devenv start\` starts existing ones; \`devenv up ${missing.join(' ')}\` creates them.`,
  });
}

function refuseBusyPorts(services: Service[], observed: ObservedState): void {
  const problems = services.flatMap((s) => {
    const ports = declaredHostPorts(s).map((p) => p.hostPort);
    return ports.filter((port) => observed.busyPorts[port]).map((port) => ({ service: s.name, port, holder: observed.busyPorts[port]! }));
  });
  const [first, ...more] = problems;
  if (!first) return;
  // A host process listens where it is told (its `port`, passed on in its env): devenv cannot pick one for it.
  const change = services.find((s) => s.name === first.service)?.kind === 'process'
    ? `change \`port\` of ${first.service} in devenv.yml (and the port the process is told to listen on)`
    : `change the host port in \`port\`/\`ports\` of ${first.service} in devenv.yml (0 picks a free one)`;
  throw new DevenvError('PORT_IN_USE', `port 127.0.0.1:${first.port} for ${first.service} is already in use by ${first.holder}`, {
    details: more.map((p) => `port 127.0.0.1:${p.port} for ${p.service} is already in use by ${p.holder}`),
    hint: `Stop what holds it (\`devenv down -p NAME\` for another devenv project), or ${change}.`,
  });
}

/**
 * A fixed host port another service of this project holds, and keeps holding through this plan (it is
 * not being replaced), cannot go to a service this plan creates: say so now, before anything changes.
 */
function refuseProjectPorts(started: Service[], containers: Map<string, ContainerDecision>, processes: Map<string, ProcessDecision>, observed: ObservedState, leaving: Map<string, number>): void {
  for (const s of started) {
    const creating = s.kind === 'process' ? processes.get(s.name)!.start !== undefined : containers.get(s.name)!.recreate !== undefined || !containers.get(s.name)!.current;
    if (!creating) continue;
    for (const { hostPort } of declaredHostPorts(s)) {
      const holder = observed.projectPorts[hostPort];
      if (!holder || holder === s.name || leaving.has(holder)) continue;
      throw new DevenvError('PORT_IN_USE', `port 127.0.0.1:${hostPort} for ${s.name} is held by ${holder} of this project, which keeps it`, {
        hint: `Bring both up together (\`devenv up ${holder} ${s.name}\`, which moves ${holder} off it if its ports changed), or give ${s.name} another host port in devenv.yml.`,
      });
    }
  }
}

function mountsOf(service: Service | undefined): { type: string; source: string }[] {
  return service?.kind === 'container' ? service.volumes : [];
}

/** A database container about to be created on a volume another Postgres major version initialised. */
function refuseOtherMajor(project: Project, observed: ObservedState, started: Service[], containers: Map<string, ContainerDecision>): void {
  for (const s of started) {
    if (s.kind !== 'postgres') continue;
    const decision = containers.get(s.name);
    if (decision?.current && decision.recreate === undefined) continue;
    const volume = observed.volumes.find((v) => v.name === dataVolumeName(project.name, s.name));
    const data = volume?.labels[LABELS.postgresMajor];
    const server = postgresMajor(s.image);
    if (volume && data && server && data !== server) throw majorMismatch(s, volume.name, data, server);
  }
}
