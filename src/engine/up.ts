/**
 * `up` (and `restart`, `start`): observe → plan → execute, then read where each service answers.
 * On failure or Ctrl-C it removes what this run created (volumes stay), keeps the container of the
 * service that failed (stopped, for `devenv logs`), and rethrows.
 */
import type { Project, Service } from '../config/project.js';
import type { HostProcesses } from '../supervisor/client.js';
import { connectionValues } from '../config/references.js';
import { DevenvError } from '../errors.js';
import type { EngineInfo, Runtime } from '../runtime/runtime.js';
import type { EventSink } from './events.js';
import { executePlan } from './execute.js';
import { dataVolumeName } from './names.js';
import { observe } from './observe.js';
import type { Plan } from './plan.js';
import type { DownOptions } from './plan-down.js';
import { selectServices } from './plan-select.js';
import { planUp, type UpOptions } from './plan-up.js';
import { stateKey, updateLocalState } from './run-state.js';
import { newRunState, stepHandler, type RunState } from './step-handlers.js';
import { teardown } from './teardown.js';
import { settleSecrets } from './secrets-settle.js';
import { publishedPostgresPort } from './postgres-port.js';

export interface Endpoint {
  service: string;
  kind: Service['kind'];
  /** The container; for a host process, empty. */
  containerId: string;
  /** Where to reach it from the host: an http:// or postgres:// URL, or host:port. Undefined when nothing is published. */
  url?: string;
  /** The same with the password replaced by ****. */
  maskedUrl?: string;
  /** A one-shot service that has completed: listed, but has nothing to stream. */
  completed?: boolean;
}

export interface UpResult {
  plan: Plan;
  endpoints: Endpoint[];
  /** Services whose container this run created or started, or whose host process it started. */
  broughtUp: Set<string>;
}

export interface UpRequest {
  runtime: Runtime;
  engine: EngineInfo;
  project: Project;
  options?: UpOptions;
  signal: AbortSignal;
  /** Aborted on a second Ctrl-C: teardown kills instead of stopping. */
  force: AbortSignal;
  onEvent?: EventSink;
  /** Events of the teardown after a failure; default onEvent. */
  onTeardownEvent?: EventSink;
  onPlan?: (plan: Plan) => void | Promise<void>;
  /** The project's host processes, through the supervisor. */
  host?: HostProcesses;
}

export async function up(request: UpRequest): Promise<UpResult> {
  const { runtime, project } = request;
  const options = request.options ?? {};
  await settleSecrets(runtime, project);
  const observed = await observe(runtime, project, request.host);
  const plan = planUp(project, observed, options);
  await request.onPlan?.(plan);
  const state = newRunState();
  try {
    await executePlan(plan, stepHandler({ runtime, engine: request.engine, project, state, force: request.force, ...(request.host ? { host: request.host } : {}) }), {
      signal: request.signal,
      onEvent: request.onEvent,
    });
    await Promise.all(state.deferred);
  } catch (error) {
    await Promise.all(state.deferred);
    // What this run started goes; containers an earlier `up -d` left running stay, and so do volumes.
    const onEvent = request.onTeardownEvent ?? request.onEvent;
    const keeping = state.failed.size > 0 ? ` (a failed service's is kept, stopped, for its logs)` : '';
    onEvent?.({ type: 'teardown', message: `removing the containers this run created${keeping}; data volumes stay unless their database never initialised (or no container used them)` });
    await teardown(runtime, project.name, failureTeardown(project, state), { force: request.force, onEvent, ...(request.host ? { host: request.host } : {}) }).catch(() => undefined);
    updateLocalState(project.dir, (local) => {
      for (const [service, kept] of state.failed) local.failed[stateKey(project.name, service)] = kept;
    });
    throw explainKept(error, state);
  }
  const started = selectServices(project, options).started;
  updateLocalState(project.dir, (local) => {
    for (const service of started) delete local.failed[stateKey(project.name, service)];
  });
  // A container kept running (a rebuild gave the image it runs) was up before this run.
  const broughtUp = new Set([...state.startedProcesses, ...plannedContainers(plan).filter((s) => state.kept.get(s) !== false)]);
  return { plan, endpoints: await endpoints(runtime, project, state, started), broughtUp };
}

/** The services whose container a plan creates or starts. */
export function plannedContainers(plan: Plan): string[] {
  return plan.steps.flatMap((s) => (s.kind === 'container.create' || s.kind === 'container.start' ? [s.service] : []));
}

/**
 * What goes after a failed run: the containers it started, except the failed service's, which is
 * stopped and kept for its logs. Those that never became ready are killed (a Postgres stopped
 * mid-initialisation takes its full stop timeout), and a data volume this run created for a
 * database that never became ready goes too: it holds no data, and a half-initialised one would
 * make every later start fail.
 */
function failureTeardown(project: Project, state: RunState): DownOptions {
  const keep = new Set([...state.failed.values()].map((f) => f.containerId));
  const kill = new Set<string>();
  for (const [service, id] of state.containers) if (!state.ready.has(service) && state.created.has(id)) kill.add(id);
  const volumes = new Set(
    project.services
      .filter((s) => s.kind === 'postgres' && !state.ready.has(s.name))
      .map((s) => dataVolumeName(project.name, s.name))
      .filter((name) => state.createdVolumes.has(name)),
  );
  // A named volume this run made that no container got to use (a pull or build failed first) holds nothing.
  for (const name of state.createdVolumes) {
    const users = project.services.filter((s) => s.kind === 'container' && s.volumes.some((v) => v.type === 'volume' && v.source === name));
    if (users.length > 0 && users.every((s) => !state.containers.has(s.name))) volumes.add(name);
  }
  // Host processes this run started go too, the failed one included: its output stays in .devenv/logs.
  return { onlyContainers: state.created, onlyProcesses: state.startedProcesses, kill, volumes, keep };
}

/** Says where the failed service's output went, and what became of the container it replaced. */
function explainKept(error: unknown, state: RunState): unknown {
  if (!(error instanceof DevenvError)) return error;
  for (const service of state.failed.keys()) {
    error.details.push(`${service}'s container is kept, stopped: \`devenv logs ${service}\` shows its output; the next \`devenv up\` replaces it.`);
    if (state.replaced.has(service)) {
      error.details.push(`The ${service} container that ran before this up was removed to make way for it; once the code is fixed, \`devenv up\` brings ${service} back (under \`up --watch\`, saving the fix does).`);
    }
  }
  return error;
}

async function endpoints(runtime: Runtime, project: Project, state: RunState, started: Set<string>): Promise<Endpoint[]> {
  const services = project.services.filter((s) => started.has(s.name) && (s.kind === 'process' || state.containers.has(s.name)));
  return Promise.all(services.map(async (s): Promise<Endpoint> => {
    if (s.kind === 'process') {
      if (s.oneshot) return { service: s.name, kind: s.kind, containerId: '', completed: true };
      if (s.port === undefined) return { service: s.name, kind: s.kind, containerId: '' };
      const url = s.health.type === 'http' ? `http://127.0.0.1:${s.port}` : `127.0.0.1:${s.port}`;
      return { service: s.name, kind: s.kind, containerId: '', url, maskedUrl: url };
    }
    const containerId = state.containers.get(s.name)!;
    const details = await runtime.inspectContainer(containerId);
    const published = details.ports.filter((p) => p.hostPort > 0);
    if (s.kind === 'postgres') {
      const port = publishedPostgresPort(published);
      if (!port) return { service: s.name, kind: s.kind, containerId };
      const values = connectionValues(s, 'host', port);
      const masked = connectionValues({ ...s, password: '****' }, 'host', port);
      return { service: s.name, kind: s.kind, containerId, url: values.url, maskedUrl: masked.url };
    }
    if (s.oneshot) return { service: s.name, kind: s.kind, containerId, completed: true };
    const healthPort = s.health.type === 'http' || s.health.type === 'tcp' ? s.health.port : undefined;
    const first = published.find((p) => p.containerPort === healthPort) ?? published[0];
    if (!first) return { service: s.name, kind: s.kind, containerId };
    const url = s.health.type === 'http' ? `http://127.0.0.1:${first.hostPort}` : `127.0.0.1:${first.hostPort}`;
    return { service: s.name, kind: s.kind, containerId, url, maskedUrl: url };
  }));
}
