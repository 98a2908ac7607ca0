/**
 * What each plan step does against the engine. The executor calls these; they decide nothing
 * about order. RunState records what this run created, for the teardown after a failure.
 */
import type { ContainerService, PostgresService, Project } from '../config/project.js';
import { connectionValues } from '../config/references.js';
import { DevenvError } from '../errors.js';
import { applySqlMigrations } from '../postgres/sql-migrator.js';
import { waitForPostgres } from '../postgres/wait-ready.js';
import { type ContainerSpec, type EngineInfo, type Runtime } from '../runtime/runtime.js';
import type { StepHandler } from './execute.js';
import { waitHealthy } from './health.js';
import { lastLogLines } from './last-logs.js';
import { rememberPorts } from './port-memory.js';
import type { Step } from './plan.js';
import type { FailedContainer } from './run-state.js';
import { saveBuildRecord } from './build-manifests.js';
import { runMigrationContainer } from './run-migration.js';
import { LABELS, projectLabels } from './labels.js';

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
}

export function newRunState(): RunState {
  return { containers: new Map(), created: new Set(), ready: new Set(), createdVolumes: new Set(), failed: new Map(), replaced: new Set() };
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
}

export function stepHandler(ctx: HandlerContext): StepHandler {
  const { runtime, state } = ctx;
  const project = () => {
    if (!ctx.project) throw new DevenvError('INTERNAL', 'this step needs the project');
    return ctx.project;
  };
  const service = <K extends 'postgres' | 'container'>(name: string, kind: K) => {
    const s = project().services.find((x) => x.name === name && x.kind === kind);
    if (!s) throw new DevenvError('INTERNAL', `no ${kind} service "${name}"`);
    return s as K extends 'postgres' ? PostgresService : ContainerService;
  };
  const containerOf = (name: string) => {
    const id = state.containers.get(name);
    if (!id) throw new DevenvError('INTERNAL', `no container known for service "${name}"`);
    return id;
  };
  const labels = () => projectLabels(project().name);

  return async (step: Step, signal, progress) => {
    switch (step.kind) {
      case 'network.create':
        await runtime.createNetwork(step.name, labels());
        return;
      case 'volume.create':
        await runtime.createVolume(step.name, labels());
        state.createdVolumes.add(step.name);
        return;
      case 'image.pull':
        await runtime.pullImage(step.image, (p) => progress(p.total > 0 ? `${mb(p.current)} / ${mb(p.total)} (${Math.floor((100 * p.current) / p.total)}%)` : p.status), signal);
        return;
      case 'image.build':
        await runtime.buildImage({
          ...step.build,
          tag: step.tag,
          labels: { ...labels(), [LABELS.service]: step.service, [LABELS.contextHash]: step.contextHash },
          buildkit: ctx.engine.buildkit,
        }, progress, signal);
        if (step.manifest) saveBuildRecord(project().dir, `${project().name}/${step.service}`, { contextHash: step.contextHash, files: step.manifest });
        return;
      case 'container.create': {
        const { dir, name } = project();
        const declared = step.declaredPorts;
        const chosen = step.desired.spec.ports.some((p, i) => p.hostPort !== declared[i]!.hostPort);
        // A chosen port taken since the plan was made: the engine picks another.
        const id = (await createAndStart(ctx, step.service, step.desired.spec, chosen))
          ?? (await createAndStart(ctx, step.service, { ...step.desired.spec, ports: declared }, false))!;
        if (declared.some((p) => p.hostPort === 0)) rememberPorts(dir, name, step.service, declared, (await runtime.inspectContainer(id)).ports);
        return;
      }
      case 'container.start':
        // Not recorded as created: a failed run must not remove a container (and the anonymous
        // volumes its image declares) that existed before it.
        state.containers.set(step.service, step.containerId);
        await runtime.startContainer(step.containerId);
        return;
      case 'container.remove':
        if (step.kill) await runtime.removeContainer(step.containerId);
        else await stopThenRemove(ctx, step.containerId);
        if (step.replacesRunning) state.replaced.add(step.service);
        return;
      case 'container.stop':
        if (step.kill) await runtime.killContainer(step.containerId, 'SIGKILL');
        else await stopGracefully(ctx, step.containerId);
        return;
      case 'container.restart':
        state.containers.set(step.service, step.containerId);
        await stopGracefully(ctx, step.containerId);
        await runtime.startContainer(step.containerId);
        return;
      case 'postgres.ready': {
        const detail = await postgresReady(ctx, service(step.service, 'postgres'), await reusedOr(ctx, step.service), signal);
        state.ready.add(step.service);
        return detail;
      }
      case 'service.healthy': {
        const id = await reusedOr(ctx, step.service);
        const detail = await waitHealthy(runtime, id, service(step.service, 'container'), { signal, onProgress: progress })
          .catch((error: unknown) => { throw keepEvidence(state, step.service, id, error); });
        state.ready.add(step.service);
        return detail;
      }
      case 'service.completed': {
        const id = await reusedOr(ctx, step.service);
        const exitCode = await runtime.waitContainer(id, signal);
        if (exitCode !== 0) {
          throw keepEvidence(state, step.service, id, new DevenvError('SERVICE_EXITED', `${step.service} (a oneshot service) exited with code ${exitCode}`, {
            details: await lastLogLines(runtime, id, 30),
            hint: `Its last log lines are above (\`devenv logs ${step.service}\` shows them all). Exit 0 is success; fix \`command\` of ${step.service}, then \`devenv up\` runs it again.`,
          }));
        }
        state.ready.add(step.service);
        return 'exited 0';
      }
      case 'migration': {
        const m = step.migration;
        if (m.kind === 'run') {
          await runMigrationContainer(runtime, project(), m, service(m.service, 'container'), signal, progress);
          return;
        }
        const db = service(m.database, 'postgres');
        const conn = await hostConnection(ctx, db, containerOf(db.name));
        const result = await applySqlMigrations(conn, { name: m.name, dir: m.dir }, {
          signal,
          onEvent: (e) => progress(`${e.type} ${e.file}`),
        });
        return `${result.applied.length} applied, ${result.skipped.length} already applied`;
      }
      case 'network.remove':
        await runtime.removeNetwork(step.networkId);
        return;
      case 'volume.remove':
        await runtime.removeVolume(step.name);
        return;
      case 'image.remove':
        if (!step.bestEffort) return runtime.removeImage(step.ref);
        return runtime.removeImage(step.ref).then(() => undefined, () => 'still in use; kept');
    }
  };
}

/**
 * Creates and starts a service container, recording it for the teardown. With `portMayBeTaken`, a
 * port in use removes the container again and gives undefined instead of failing.
 */
async function createAndStart(ctx: HandlerContext, service: string, spec: ContainerSpec, portMayBeTaken: boolean): Promise<string | undefined> {
  const id = await ctx.runtime.createContainer(spec);
  ctx.state.created.add(id);
  ctx.state.containers.set(service, id);
  try {
    await ctx.runtime.startContainer(id);
    return id;
  } catch (error) {
    if (!portMayBeTaken || !(error instanceof DevenvError && error.code === 'PORT_IN_USE')) throw error;
    await ctx.runtime.removeContainer(id);
    ctx.state.created.delete(id);
    return undefined;
  }
}

/** The container of a service: the one this run started, else the running one observed again. */
async function reusedOr(ctx: HandlerContext, service: string): Promise<string> {
  const known = ctx.state.containers.get(service);
  if (known) return known;
  const [found] = await ctx.runtime.listContainers({ ...projectLabels(ctx.project!.name), [LABELS.service]: service, [LABELS.role]: 'service' });
  if (!found) throw new DevenvError('INTERNAL', `container of service "${service}" disappeared`);
  ctx.state.containers.set(service, found.id);
  return found.id;
}

async function hostConnection(ctx: HandlerContext, db: PostgresService, containerId: string) {
  const details = await ctx.runtime.inspectContainer(containerId);
  const port = details.ports.find((p) => p.containerPort === 5432 && p.hostPort > 0)?.hostPort;
  if (!port) {
    // Only a container that is not running has no port: it exited as soon as it started.
    throw new DevenvError('DATABASE_NOT_READY', `${db.name} is ${details.state} (exit code ${details.exitCode}) before accepting a connection`, {
      details: await lastLogLines(ctx.runtime, containerId, 20),
      hint: `Its last log lines are above. Check \`postgres\` of ${db.name} in devenv.yml (image, init files).`,
    });
  }
  const v = connectionValues(db, 'host', port);
  return { host: v.host, port, user: v.user, password: v.password, database: v.database };
}

async function postgresReady(ctx: HandlerContext, db: PostgresService, containerId: string, signal: AbortSignal): Promise<string> {
  const conn = await hostConnection(ctx, db, containerId);
  const isAlive = async () => {
    const d = await ctx.runtime.inspectContainer(containerId);
    return d.state === 'running' ? undefined : `container ${d.state} with code ${d.exitCode}`;
  };
  try {
    // The container goes with the failed run, so its logs are shown with the error, not left for `devenv logs`.
    const r = await waitForPostgres(conn, { timeoutMs: db.readyTimeoutMs, signal, isAlive, logsHint: 'read its last log lines above' });
    return `accepting connections on 127.0.0.1:${conn.port} after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`;
  } catch (error) {
    if (error instanceof DevenvError && error.code === 'DATABASE_NOT_READY' && error.details.length === 0) {
      error.details.push(...(await lastLogLines(ctx.runtime, containerId, 20)));
    }
    throw error;
  }
}

/**
 * Records that a service's container failed, so the teardown keeps it (stopped) for `devenv logs`,
 * and returns the error with what the user needs to know about it.
 */
function keepEvidence(state: RunState, service: string, containerId: string, error: unknown): unknown {
  if (!(error instanceof DevenvError) || error.code === 'INTERRUPTED') return error;
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

async function stopThenRemove(ctx: HandlerContext, id: string): Promise<void> {
  if (!ctx.force?.aborted) await stopGracefully(ctx, id).catch(() => undefined);
  await ctx.runtime.removeContainer(id);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
