/**
 * What each plan step does against the engine. The executor calls these; they decide nothing
 * about order. RunState records what this run created, for the teardown after a failure.
 */
import { randomUUID } from 'node:crypto';
import type { ContainerService, Migration, PostgresService, Project, Service } from '../config/project.js';
import { connectionValues } from '../config/references.js';
import { DevenvError } from '../errors.js';
import type { PgConnection } from '../postgres/connection.js';
import { waitForPostgres } from '../postgres/wait-ready.js';
import { type ContainerSpec, type EngineInfo, type Runtime } from '../runtime/runtime.js';
import type { StepHandler } from './execute.js';
import { waitHealthy } from './health.js';
import { realClock, retryUntil } from '../util/retry.js';
import { lastLogLines } from './last-logs.js';
import { rememberPorts } from './port-memory.js';
import type { KeepIfImage, Step } from './plan.js';
import { forgetMigrations, migrationKey, updateLocalState, type FailedContainer, type MigrationRecord } from './run-state.js';
import { alwaysRuns, migrationInputs, stepFilesHash } from './plan-migrations.js';
import { saveBuildRecord } from './build-manifests.js';
import type { HostProcesses } from '../supervisor/client.js';
import { runMigration } from './migration-steps.js';
import { waitProcessReady } from './process-steps.js';
import { desiredProcess } from './process-spec.js';
import { LABELS, projectLabels } from './labels.js';
import { databasePorts, hostConnection, reusedOr } from './running.js';
import { dataVolumeName } from './names.js';
import { initFilesHash } from './init-files.js';
import { initFailure, majorFromStartupLog, majorMismatch, postgresMajor } from './postgres-major.js';

export interface RunState {
  /** Service → container ID, for every service container this run created, started or reused. */
  containers: Map<string, string>;
  /** IDs of containers this run created (the failure teardown removes exactly these). */
  created: Set<string>;
  /** Services whose readiness or health check passed in this run. */
  ready: Set<string>;
  /** Volumes this run created. */
  createdVolumes: Set<string>;
  /** Services whose new container failed to start or become healthy: kept, stopped, for their logs. */
  failed: Map<string, FailedContainer>;
  /** Services whose earlier container this run removed (to replace it). */
  replaced: Set<string>;
  /** Host process services this run started (the failure teardown stops exactly these). */
  startedProcesses: Set<string>;
  /** Work started by a step that need not hold up the next ones; `up` waits for it before it returns. */
  deferred: Promise<unknown>[];
  /** Service → the container.create step of a container created and not started yet. */
  pending: Map<string, Extract<Step, { kind: 'container.create' }>>;
  /** Service → whether to start it: containers kept because a rebuild gave the image they run. */
  kept: Map<string, boolean>;
}

export function newRunState(): RunState {
  return { containers: new Map(), created: new Set(), ready: new Set(), createdVolumes: new Set(), failed: new Map(), replaced: new Set(), startedProcesses: new Set(), pending: new Map(), kept: new Map(), deferred: [] };
}

export interface HandlerContext {
  runtime: Runtime;
  engine: EngineInfo;
  project?: Project;
  state: RunState;
  /** Aborted on a second Ctrl-C: stop waiting for graceful stops, kill. */
  force?: AbortSignal;
  /** Seconds a container gets to stop before it is killed. */
  stopTimeoutSeconds?: number;
  /** The project's host processes (through the supervisor). */
  host?: HostProcesses;
}

export function stepHandler(ctx: HandlerContext): StepHandler {
  const { runtime, state } = ctx;
  const project = () => {
    if (!ctx.project) throw new DevenvError('INTERNAL', 'this step needs the project');
    return ctx.project;
  };
  const service = <K extends Service['kind']>(name: string, kind: K) => {
    const s = project().services.find((x) => x.name === name && x.kind === kind);
    if (!s) throw new DevenvError('INTERNAL', `no ${kind} service "${name}"`);
    return s as Extract<Service, { kind: K }>;
  };
  const host = () => {
    if (!ctx.host) throw new DevenvError('INTERNAL', 'this step needs the host process supervisor');
    return ctx.host;
  };
  const kindOf = (name: string) => project().services.find((x) => x.name === name)?.kind;
  const labels = () => projectLabels(project().name);

  /** Starts the container this run created for a service (created again should a chosen host port have been taken since the plan). */
  const startCreated = async (service: string): Promise<void> => {
    const created = state.pending.get(service)!;
    state.pending.delete(service);
    const declared = created.declaredPorts;
    const chosen = created.desired.spec.ports.some((p, i) => p.hostPort !== declared[i]!.hostPort);
    let id = state.containers.get(service)!;
    try {
      await runtime.startContainer(id);
    } catch (error) {
      // The engine picks another.
      if (!chosen || !(error instanceof DevenvError && error.code === 'PORT_IN_USE')) throw error;
      await runtime.removeContainer(id);
      state.created.delete(id);
      id = await create(ctx, service, { ...created.desired.spec, ports: declared });
      await runtime.startContainer(id);
    }
    const { dir, name } = project();
    if (declared.some((p) => p.hostPort === 0)) rememberPorts(dir, name, service, declared, (await runtime.inspectContainer(id)).ports);
  };

  /**
   * A container replaced only for a rebuild stays when the build gave the image it runs. Asked once per
   * service: its remove and create steps act on the same answer.
   */
  const keptAnswers = new Map<string, Promise<boolean>>();
  const keeps = (service: string, keep: KeepIfImage | undefined): Promise<boolean> => {
    if (!keep) return Promise.resolve(false);
    let answer = keptAnswers.get(service);
    if (!answer) keptAnswers.set(service, (answer = runtime.imageId(keep.image).then((id) => id === keep.imageId)));
    return answer;
  };
  const KEPT = 'kept: the build gave the image it runs';

  return async (step: Step, signal, progress) => {
    switch (step.kind) {
      case 'network.create':
        try {
          await runtime.createNetwork(step.name, labels());
        } catch (error) {
          // Created meanwhile by another devenv of this project (one that did not take the lock):
          // the same network, so use it; never a second one of the same name.
          const ours = await runtime.listNetworks(projectLabels(project().name)).catch(() => []);
          if (!ours.some((n) => n.name === step.name)) throw error;
        }
        return;
      case 'volume.create': {
        const db = ctx.project?.services.find((s): s is PostgresService => s.kind === 'postgres' && dataVolumeName(project().name, s.name) === step.name);
        const major = db && postgresMajor(db.image);
        await runtime.createVolume(step.name, { ...labels(), [LABELS.volumeId]: randomUUID(), ...(major ? { [LABELS.postgresMajor]: major } : {}), ...(db ? { [LABELS.initHash]: initFilesHash(db), [LABELS.postgresUser]: db.user } : {}) });
        state.createdVolumes.add(step.name);
        return;
      }
      case 'image.pull':
        await runtime.pullImage(step.image, (p) => progress(p.total > 0 ? `${mb(p.current)} / ${mb(p.total)} (${Math.floor((100 * p.current) / p.total)}%)` : p.status), signal);
        return;
      case 'image.build': {
        const sentModules = heavyContext(step.manifest);
        if (sentModules) progress(sentModules);
        const imageId = await runtime.buildImage({ ...step.build, tag: step.tag, labels: { ...labels(), [LABELS.service]: step.service }, buildkit: ctx.engine.buildkit }, progress, signal);
        if (step.manifest) saveBuildRecord(project().dir, `${project().name}/${step.service}`, { contextHash: step.contextHash, files: step.manifest, imageId });
        return sentModules ? 'its context sends node_modules/: add it to .dockerignore' : undefined;
      }
      case 'container.create':
        if (await keeps(step.service, step.keep)) {
          state.containers.set(step.service, step.keep!.containerId);
          state.kept.set(step.service, step.keep!.start);
          if (step.start && step.keep!.start) await runtime.startContainer(step.keep!.containerId);
          return KEPT;
        }
        await create(ctx, step.service, step.desired.spec);
        state.pending.set(step.service, step);
        if (step.start) await startCreated(step.service);
        return;
      case 'container.start': {
        const kept = state.kept.get(step.service);
        if (!step.containerId && kept !== undefined) {
          if (kept) await runtime.startContainer(state.containers.get(step.service)!);
          return kept ? undefined : 'nothing to start: kept as it was';
        }
        if (step.containerId || !state.pending.has(step.service)) {
          // Not recorded as created: a failed run must not remove a container (and the anonymous
          // volumes its image declares) that existed before it.
          const id = step.containerId ?? state.containers.get(step.service);
          if (!id) throw new DevenvError('INTERNAL', `no container to start for "${step.service}"`);
          state.containers.set(step.service, id);
          await runtime.startContainer(id);
          return;
        }
        await startCreated(step.service);
        return;
      }
      case 'container.remove':
        if (await keeps(step.service, step.keep)) return KEPT;
        if (step.kill || step.stopped) await runtime.removeContainer(step.containerId);
        else await stopThenRemove(ctx, step.containerId);
        if (step.replacesRunning) state.replaced.add(step.service);
        return;
      case 'container.stop':
        if (step.kill) await runtime.killContainer(step.containerId, 'SIGKILL');
        else if (step.beforeRemove) await stopGracefully(ctx, step.containerId).catch(() => runtime.removeContainer(step.containerId));
        else await stopGracefully(ctx, step.containerId);
        return;
      case 'container.restart':
        state.containers.set(step.service, step.containerId);
        await stopGracefully(ctx, step.containerId);
        await runtime.startContainer(step.containerId);
        return;
      case 'postgres.ready': {
        const detail = await postgresReady(ctx, service(step.service, 'postgres'), await reusedOr(ctx, step.service), signal, Boolean(step.reused), step.initialisedUser);
        state.ready.add(step.service);
        return detail;
      }
      case 'process.start': {
        // The env resolved now, from the databases' actual ports (the plan's are a prediction).
        const ports = await databasePorts(ctx);
        const { spec } = desiredProcess(project(), service(step.service, 'process'), ports);
        state.startedProcesses.add(step.service);
        const status = await host().start(spec);
        return `pid ${status.pid ?? '?'}`;
      }
      case 'process.restart': {
        const status = await host().restart(step.service);
        return `pid ${status.pid ?? '?'}`;
      }
      case 'process.stop':
        await host().stop(step.service);
        return;
      case 'process.remove':
        await host().remove(step.service);
        return;
      case 'process.orphans': {
        const stopped = await host().stopOrphans();
        return stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'none left';
      }
      case 'service.healthy':
      case 'service.completed':
        if (kindOf(step.service) === 'process') {
          const detail = await waitProcessReady(host(), service(step.service, 'process'), { signal, onProgress: progress, kept: step.kind === 'service.healthy' && step.kept === true });
          state.ready.add(step.service);
          return detail;
        }
        if (step.kind === 'service.completed') return containerCompleted(ctx, step.service, signal, progress);
        return containerHealthy(ctx, step.service, signal, progress);
      case 'migration': {
        if (step.skip) return 'skipped';
        // What it runs with now: the same as at its last success skips it; else, kept to compare after the run.
        const before = await migrationRecord(ctx, project(), step.migration);
        if (step.unlessUnchanged && before?.inputs === step.unlessUnchanged.inputs && before.volumes === step.unlessUnchanged.volumes) return 'skipped: its image came out as it was at its last success';
        // A step that fails runs again next time, whatever it last succeeded with.
        forgetMigrations(project().dir, project().name, [step.migration.name]);
        const detail = await runMigration(ctx, step.migration, signal, progress);
        await recordMigration(ctx, project(), step.migration, before);
        return detail;
      }
      case 'network.remove':
        await removeNetworkOnceFree(runtime, step.networkId);
        return;
      case 'volume.remove':
        await runtime.removeVolume(step.name);
        return;
      case 'image.remove':
        if (step.untagged && (await runtime.listImages(labels())).some((i) => i.id === step.ref && i.tags.length > 0)) return 'tagged again by a build; kept';
        if (!step.bestEffort) return runtime.removeImage(step.ref);
        return runtime.removeImage(step.ref).then(() => undefined, () => 'still in use; kept');
    }
  };
}

/**
 * A build context that sends the host's node_modules/ (no .dockerignore leaves it out): hundreds of
 * megabytes packed and sent on every build, and the image's own `npm ci` redoes it anyway.
 */
function heavyContext(manifest: Record<string, string> | undefined): string | undefined {
  const modules = Object.keys(manifest ?? {}).filter((f) => f.startsWith('node_modules/') && !f.endsWith('/')).length;
  return modules > 0 ? `note: the build context sends node_modules/ (${modules} files), as no .dockerignore leaves it out: every build packs and sends it; add node_modules to .dockerignore` : undefined;
}

/** Creates a service container, recording it for the teardown. */
async function create(ctx: HandlerContext, service: string, spec: ContainerSpec): Promise<string> {
  const id = await ctx.runtime.createContainer(spec);
  ctx.state.created.add(id);
  ctx.state.containers.set(service, id);
  return id;
}

async function postgresReady(ctx: HandlerContext, db: PostgresService, containerId: string, signal: AbortSignal, quick: boolean, initialisedUser?: string): Promise<string> {
  const conn = await hostConnection(ctx, db, containerId);
  const isAlive = async () => {
    const d = await ctx.runtime.inspectContainer(containerId);
    return d.state === 'running' ? undefined : `container ${d.state} with code ${d.exitCode}`;
  };
  try {
    // The container goes with the failed run, so its logs are shown with the error, not left for `devenv logs`.
    const r = await waitForPostgres(conn, { timeoutMs: db.readyTimeoutMs, signal, isAlive, service: db.name, logsHint: 'read its last log lines above', quick, ...(initialisedUser ? { initialisedUser } : {}) });
    const ready = `accepting connections on 127.0.0.1:${conn.port} after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`;
    return db.init.length > 0 && ctx.state.createdVolumes.has(dataVolumeName(ctx.project!.name, db.name)) ? `${ready}; ${await keepInitial(conn)}` : ready;
  } catch (error) {
    if (error instanceof DevenvError && error.code === 'DATABASE_NOT_READY') {
      const lines = await lastLogLines(ctx.runtime, containerId, 20);
      const versions = majorFromStartupLog(lines);
      if (versions) throw majorMismatch(db, dataVolumeName(ctx.project!.name, db.name), versions.data, versions.server, false);
      const init = initFailure(db, ctx.project!.dir, lines);
      if (init) {
        init.details.push(...lines);
        throw init;
      }
      if (error.details.length === 0) error.details.push(...lines);
    }
    throw error;
  }
}

/** A copy of what the init files made on a new volume, which `db reset` starts from; a failure only says so. */
async function keepInitial(conn: PgConnection): Promise<string> {
  try {
    const { keepInitialState } = await import('../postgres/database-admin.js');
    await keepInitialState(conn);
    return 'kept as its init files left it, for `db reset`';
  } catch (error) {
    return `could not keep a copy as its init files left it (${(error as Error).message}): \`db reset\` will start from an empty database`;
  }
}

async function containerHealthy(ctx: HandlerContext, service: string, signal: AbortSignal, progress: (m: string) => void): Promise<string> {
  const s = ctx.project!.services.find((x): x is ContainerService => x.name === service && x.kind === 'container');
  if (!s) throw new DevenvError('INTERNAL', `no container service "${service}"`);
  const id = await reusedOr(ctx, service);
  const detail = await waitHealthy(ctx.runtime, id, s, { signal, onProgress: progress })
    .catch((error: unknown) => { throw keepEvidence(ctx.state, service, id, error); });
  ctx.state.ready.add(service);
  return detail;
}

async function containerCompleted(ctx: HandlerContext, service: string, signal: AbortSignal, progress: (m: string) => void): Promise<string> {
  const id = await reusedOr(ctx, service);
  // A one-shot has no deadline (an asset build may take minutes), so devenv says how long it has run.
  const started = Date.now();
  const ticker = setInterval(() => progress(`still running after ${Math.round((Date.now() - started) / 1000)} s (\`devenv logs ${service}\` shows its output)`), 5000);
  try {
    return await completed(ctx, service, id, signal);
  } finally {
    clearInterval(ticker);
  }
}

async function completed(ctx: HandlerContext, service: string, id: string, signal: AbortSignal): Promise<string> {
  let exitCode = await ctx.runtime.waitContainer(id, signal);
  // With restart: on-failure the engine runs it again: only its last exit counts. (A wait on a
  // restarting container returns at once, so this polls until it stays exited.)
  for (let now = await ctx.runtime.inspectContainer(id); exitCode !== 0 && (now.state === 'restarting' || now.state === 'running'); now = await ctx.runtime.inspectContainer(id)) {
    await realClock.sleep(100, signal);
    exitCode = now.state === 'running' ? await ctx.runtime.waitContainer(id, signal) : (await ctx.runtime.inspectContainer(id)).exitCode;
  }
  if (exitCode !== 0) {
    throw keepEvidence(ctx.state, service, id, new DevenvError('SERVICE_EXITED', `${service} (a oneshot service) exited with code ${exitCode}`, {
      details: await lastLogLines(ctx.runtime, id, 30),
      hint: `Its last log lines are above (\`devenv logs ${service}\` shows them all). Exit 0 is success; fix \`command\` of ${service}, then \`devenv up\` runs it again.`,
    }));
  }
  ctx.state.ready.add(service);
  return 'exited 0';
}

/**
 * Records that a service's container failed, so the teardown keeps it (stopped) for `devenv logs`,
 * and returns the error with what the user needs to know about it.
 */
function keepEvidence(state: RunState, service: string, containerId: string, error: unknown): unknown {
  // A container an earlier `up -d` started is left as it is (running); only this run's own are kept stopped.
  if (!(error instanceof DevenvError) || error.code === 'INTERRUPTED' || !state.created.has(containerId)) return error;
  const reason = /exited with code -?\d+|restarted \(exit code -?\d+\)|did not become healthy|answers HTTP \d+/.exec(error.message)?.[0] ?? 'failed';
  state.failed.set(service, { containerId, reason });
  return error;
}

/** A graceful stop that a second Ctrl-C (the force signal) cuts short; the container stays. */
async function stopGracefully(ctx: HandlerContext, id: string): Promise<void> {
  const force = ctx.force;
  if (force?.aborted) {
    await ctx.runtime.killContainer(id, 'SIGKILL');
    return;
  }
  let onForce = () => {};
  const forced = new Promise<void>((resolve) => { onForce = resolve; });
  force?.addEventListener('abort', onForce, { once: true });
  try {
    await Promise.race([ctx.runtime.stopContainer(id, ctx.stopTimeoutSeconds), forced]);
  } finally {
    force?.removeEventListener('abort', onForce);
  }
  if (force?.aborted) await ctx.runtime.killContainer(id, 'SIGKILL');
}

/**
 * The network goes once its containers have stopped. Engines before 23 answer a stop a moment before
 * they release the container's endpoint: "has active endpoints" then means "not yet", for a while.
 */
async function removeNetworkOnceFree(runtime: Runtime, id: string): Promise<void> {
  let busy: unknown;
  await retryUntil(async () => {
    try {
      await runtime.removeNetwork(id);
      return { done: true, value: undefined };
    } catch (error) {
      if (!/active endpoints/.test(String((error as Error).message))) throw error;
      busy = error;
      return { done: false, reason: 'active endpoints' };
    }
  }, { timeoutMs: 3000, initialIntervalMs: 50, maxIntervalMs: 50, onTimeout: () => busy as Error });
}

async function stopThenRemove(ctx: HandlerContext, id: string): Promise<void> {
  if (!ctx.force?.aborted) await stopGracefully(ctx, id).catch(() => undefined);
  await ctx.runtime.removeContainer(id);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function imageOf(runtime: Runtime, project: Project, service: string): Promise<string | undefined> {
  const s = project.services.find((x) => x.name === service);
  return s?.kind === 'container' ? runtime.imageId(s.image) : undefined;
}

/** Remembers what a migration step just succeeded with, read from the engine now (the image it ran, the volumes it ran against). */
async function recordMigration(ctx: HandlerContext, project: Project, m: Migration, before: MigrationRecord | undefined): Promise<void> {
  const record = await migrationRecord(ctx, project, m);
  // A file saved while it ran (under up --watch) may not have been read: the next up runs it again.
  if (record && before && record.inputs !== before.inputs) return;
  if (record) updateLocalState(project.dir, (local) => { local.migrations[migrationKey(project.name, m.name)] = record; });
}

/** What a migration step runs with now (migrationInputs, read from the engine and the disk). */
async function migrationRecord(ctx: HandlerContext, project: Project, m: Migration): Promise<MigrationRecord | undefined> {
  if (alwaysRuns(project, m)) return undefined;
  const [volumes, imageId, files] = await Promise.all([
    ctx.runtime.listVolumes(projectLabels(project.name)),
    m.kind === 'run' ? imageOf(ctx.runtime, project, m.service) : undefined,
    stepFilesHash(m),
  ]);
  return migrationInputs(project, m, {
    volumeIds: Object.fromEntries(volumes.map((v) => [v.name, v.labels[LABELS.volumeId]])),
    imageId: () => imageId,
    fileHashes: files ? { [m.name]: files } : {},
  });
}
