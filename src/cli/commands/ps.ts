/**
 * `ps`: the project's services from labels alone: state, health (checked now, as `up` checks it),
 * image and ports. -a adds completed one-shot services and one-off containers.
 */
import type { HealthCheck } from '../../config/project.js';
import { LABELS } from '../../engine/labels.js';
import { observeProject } from '../../engine/observe.js';
import type { ContainerDetails, ContainerSummary, Runtime } from '../../runtime/runtime.js';
import { connect, projectNameFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';

interface PsFlags extends GlobalOptions {
  all?: boolean;
}

export interface PsRow {
  service: string;
  name: string;
  role: string;
  image: string;
  /** running, restarting, completed, exited (3), created, … */
  state: string;
  /** healthy, unhealthy: <why>, or "" when there is nothing to check. */
  health: string;
  restarts: number;
  exitCode?: number;
  ports: string[];
}

export async function psCommand(flags: PsFlags): Promise<CommandResult> {
  const project = await projectNameFor(flags);
  const { runtime } = await connect();
  const { containers } = await observeProject(runtime, project);
  const shown = containers.filter((c) => flags.all || (c.labels[LABELS.role] === 'service' && !completed(c)));
  const rows = (await Promise.all(shown.map((c) => row(runtime, c))))
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ project, containers: rows }, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    const hidden = containers.length - shown.length;
    process.stdout.write(`No containers for project "${project}"${hidden > 0 ? ` (${hidden} completed or one-off: \`devenv ps -a\`)` : ''}.\n`);
    return 0;
  }
  const table = [
    ['SERVICE', 'STATE', 'HEALTH', 'IMAGE', 'PORTS'],
    ...rows.map((r) => [r.role === 'service' ? r.service : `${r.service} (${r.role}: ${r.name})`, r.state + (r.restarts > 0 ? `, ${r.restarts} restarts` : ''), r.health, r.image, r.ports.join(', ')]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  for (const line of table) process.stdout.write(`${line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  return 0;
}

const completed = (c: ContainerSummary) => c.labels[LABELS.oneshot] === 'true' && c.state === 'exited' && c.exitCode === 0;

async function row(runtime: Runtime, c: ContainerSummary): Promise<PsRow> {
  const details = await runtime.inspectContainer(c.id).catch(() => undefined);
  const state = completed(c) ? 'completed'
    : c.state === 'exited' ? `exited (${details?.exitCode ?? c.exitCode ?? '?'})`
      : c.state;
  return {
    service: c.labels[LABELS.service] ?? '',
    name: c.name,
    role: c.labels[LABELS.role] ?? '',
    image: c.image.startsWith('sha256:') ? c.image.slice(7, 19) : c.image,
    state,
    health: details && c.state === 'running' ? await health(runtime, details) : '',
    restarts: details?.restartCount ?? 0,
    ...(c.state === 'exited' ? { exitCode: details?.exitCode ?? c.exitCode } : {}),
    ports: c.ports.filter((p) => p.hostPort > 0).map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`),
  };
}

/** The service's own check, as `up` runs it, bounded to 2 s. */
async function health(runtime: Runtime, details: ContainerDetails): Promise<string> {
  const { probeHttp, probeTcp } = await import('../../engine/health.js');
  const hostPort = (containerPort: number) => details.ports.find((p) => p.containerPort === containerPort && p.hostPort > 0)?.hostPort;
  let result: { done: boolean; reason?: string };
  if (details.labels[LABELS.kind] === 'postgres') {
    const port = hostPort(5432);
    if (!port) return '';
    const { checkPostgres } = await import('../../postgres/wait-ready.js');
    const env = details.env;
    const reason = await checkPostgres({ host: '127.0.0.1', port, user: env.POSTGRES_USER || 'postgres', password: env.POSTGRES_PASSWORD ?? '', database: env.POSTGRES_DB || env.POSTGRES_USER || 'postgres' }, 2000);
    result = { done: reason === undefined, ...(reason ? { reason } : {}) };
  } else {
    let check: HealthCheck;
    try {
      check = JSON.parse(details.labels[LABELS.health] ?? '{"type":"none"}') as HealthCheck;
    } catch {
      return '';
    }
    if (check.type === 'none') return '';
    if (check.type === 'command') {
      const r = await runtime.exec(details.id, check.command, AbortSignal.timeout(2000)).catch(() => ({ exitCode: -1, output: 'no answer within 2 s' }));
      result = r.exitCode === 0 ? { done: true } : { done: false, reason: `exit code ${r.exitCode}` };
    } else {
      const port = hostPort(check.port);
      if (!port) return 'unhealthy: port not published';
      result = check.type === 'http' ? await probeHttp(port, check.path) : await probeTcp(port);
    }
  }
  return result.done ? 'healthy' : `unhealthy: ${result.reason ?? ''}`.slice(0, 60);
}
