/**
 * `ps`: the project's services from labels alone: state, health (checked now, as `up` checks it),
 * image and ports. -a adds completed one-shot services and one-off containers.
 */
import { constants } from 'node:os';
import type { HealthCheck } from '../../config/project.js';
import { LABELS, projectLabels } from '../../engine/labels.js';
import type { ContainerDetails, ContainerSummary, Runtime } from '../../runtime/runtime.js';
import { guessedName, hostProcessesFor, projectTarget, runtimeOnly } from '../context.js';
import type { HostProcess } from '../../supervisor/client.js';
import type { CommandResult, GlobalOptions } from '../options.js';
import { publishedPostgresPort } from '../../engine/postgres-port.js';

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
  /** A host process's pid. */
  pid?: number;
  /** An errored host process's last output lines. */
  lastLines?: string[];
}

export async function psCommand(flags: PsFlags): Promise<CommandResult> {
  const target = await projectTarget(flags);
  const project = target.name;
  const runtime = await runtimeOnly();
  const host = await hostProcessesFor(runtime, target);
  // Containers and processes only: networks, volumes and images are not shown.
  const [containers, processes] = await Promise.all([
    runtime.listContainers(projectLabels(project)).then((all) => all.filter((c) => c.labels[LABELS.role] !== undefined)),
    host?.list().then((list) => new Map(list.map((p) => [p.service, p]))) ?? new Map<string, HostProcess>(),
  ]);
  const shown = containers.filter((c) => flags.all || (c.labels[LABELS.role] === 'service' && !completed(c)));
  const shownProcesses = [...processes.values()].filter((p) => flags.all || !(p.state === 'exited' && p.lastExit?.code === 0));
  const rows = [...(await Promise.all(shown.map((c) => row(runtime, c)))), ...(await Promise.all(shownProcesses.map(processRow)))]
    .sort((a, b) => a.service.localeCompare(b.service) || a.name.localeCompare(b.name));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ project, containers: rows }, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    const hidden = containers.length - shown.length + processes.size - shownProcesses.length;
    process.stdout.write(`No containers for project "${project}"${hidden === 0 ? guessedName(target) : ''}${hidden > 0 ? ` (${hidden} completed or one-off: \`devenv ps -a\`)` : ''}.\n`);
    return 0;
  }
  const table = [
    ['SERVICE', 'STATE', 'HEALTH', 'IMAGE', 'PORTS'],
    ...rows.map((r) => [r.role === 'service' || r.role === 'process' ? r.service : `${r.service} (${r.role}: ${r.name})`, r.state + (r.restarts > 0 ? `, ${r.restarts} restart${r.restarts === 1 ? '' : 's'}` : ''), clip(r.health, 50), clip(r.image, 48), r.ports.join(', ')]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  for (const line of table) process.stdout.write(`${line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  for (const r of rows.filter((x) => x.lastLines?.length)) {
    process.stdout.write(`\n${r.service}'s last output (\`devenv logs ${r.service}\` shows it all):\n${r.lastLines!.map((l) => `  ${l}`).join('\n')}\n`);
  }
  return 0;
}

const completed = (c: ContainerSummary) => c.labels[LABELS.oneshot] === 'true' && c.state === 'exited' && c.exitCode === 0;

/** An on-failure container that used up its max_restarts and stays down. */
const gaveUp = (d: ContainerDetails) => d.state === 'exited' && d.exitCode !== 0 && d.restartPolicy.name === 'on-failure' && d.restartPolicy.maxRetries > 0 && d.restartCount >= d.restartPolicy.maxRetries;

async function row(runtime: Runtime, c: ContainerSummary): Promise<PsRow> {
  const details = await runtime.inspectContainer(c.id).catch(() => undefined);
  const state = completed(c) ? 'completed'
    : details && gaveUp(details) ? `errored: exited with code ${details.exitCode} after ${details.restartCount} restarts; the engine gave up (restart: on-failure, max_restarts: ${details.restartPolicy.maxRetries})`
      : c.state === 'exited' ? `exited (${exitText(details?.exitCode ?? c.exitCode)})`
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

/** A host process: its pid, how long it has been up, its restarts; errored with the reason. */
async function processRow(p: HostProcess): Promise<PsRow> {
  const up = p.state === 'running' ? `, pid ${p.pid}, up ${duration(Date.now() - p.startedAt)}` : '';
  const state = p.orphaned ? `running, pid ${p.pid}, orphaned (its supervisor was killed; \`devenv up\` or \`down\` stops it)`
    : p.state === 'exited' ? (p.lastExit?.code === 0 ? 'completed' : `exited${p.lastExit ? ` (${p.lastExit.signal ?? p.lastExit.code})` : ''}`)
      : p.state === 'errored' ? `errored: ${p.reason ?? ''}`
        : `${p.state}${up}`;
  return {
    service: p.service,
    name: p.pid === undefined ? '(host process)' : `pid ${p.pid}`,
    role: 'process',
    image: `(host) ${(p.command[0] === 'sh' && p.command[1] === '-c' ? p.command.slice(2) : p.command).join(' ')}`,
    state,
    health: p.state === 'running' ? await processHealth(p) : '',
    restarts: p.restarts,
    ...(p.lastExit ? { exitCode: p.lastExit.code ?? undefined } : {}),
    // Where it answers on the host: the port its check probes (the service's `port`).
    ports: p.health.type === 'http' || p.health.type === 'tcp' ? [`127.0.0.1:${p.health.port}`] : [],
    ...(p.pid !== undefined ? { pid: p.pid } : {}),
    ...(p.state === 'errored' ? { lastLines: p.lastLines.slice(-5) } : {}),
  };
}

/** A host process's own check (http or tcp on 127.0.0.1), bounded to 2 s. */
async function processHealth(p: HostProcess): Promise<string> {
  const check = p.health;
  if (check.type !== 'http' && check.type !== 'tcp') return '';
  const { probeHttp, probeTcp } = await import('../../engine/health.js');
  const result = check.type === 'http' ? await probeHttp(check.port, check.path) : await probeTcp(check.port);
  return result.done ? 'healthy' : `unhealthy: ${result.reason}`;
}

/** Long text cut at a word for the table (--json keeps it whole). */
function clip(text: string, width: number): string {
  if (text.length <= width) return text;
  const cut = text.slice(0, width - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), width / 2))}…`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** The service's own check, as `up` runs it, bounded to 2 s. */
async function health(runtime: Runtime, details: ContainerDetails): Promise<string> {
  const { probeHttp, probeTcp } = await import('../../engine/health.js');
  const hostPort = (containerPort: number) => details.ports.find((p) => p.containerPort === containerPort && p.hostPort > 0)?.hostPort;
  let result: { done: boolean; reason?: string };
  if (details.labels[LABELS.kind] === 'postgres') {
    const port = publishedPostgresPort(details.ports);
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
  return result.done ? 'healthy' : `unhealthy: ${result.reason ?? ''}`;
}

/** An exit code, with the signal it stands for (143: SIGTERM, what `devenv stop` sends). */
export function exitText(code: number | undefined): string {
  if (code === undefined) return '?';
  const signal = code > 128 && code < 160 ? Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] : undefined;
  return signal ? `${code}, ${signal}` : String(code);
}
