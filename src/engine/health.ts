/**
 * Health of a started service, checked from the host (http, tcp) or inside the container (command).
 * Fails at once when the container exits or restarts while devenv waits: never waits out the deadline.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { ContainerService, HealthCheck } from '../config/project.js';
import { DevenvError } from '../errors.js';
import type { ContainerDetails, Runtime } from '../runtime/runtime.js';
import { retryUntil, type Clock } from '../util/retry.js';
import { lastLogLines } from './last-logs.js';

type Probe = { done: true; value: string } | { done: false; reason: string };

export async function waitHealthy(
  runtime: Runtime,
  containerId: string,
  service: ContainerService,
  options: { signal: AbortSignal; clock?: Clock },
): Promise<string> {
  const health = service.health;
  const first = await runtime.inspectContainer(containerId);
  const check = async (): Promise<ContainerDetails> => {
    const now = await runtime.inspectContainer(containerId);
    if (now.state === 'exited' || now.state === 'dead' || now.restartCount > first.restartCount) {
      const what = now.state === 'exited' || now.state === 'dead' ? `exited with code ${now.exitCode}` : `restarted (exit code ${now.exitCode})`;
      throw new DevenvError('SERVICE_EXITED', `${service.name} ${what}${now.oomKilled ? ' (out of memory)' : ''} while devenv waited for it to become healthy`, {
        details: await lastLogLines(runtime, containerId, 30),
        hint: `Its last log lines are above. Check \`command\` and \`env\` of ${service.name} in devenv.yml.`,
      });
    }
    return now;
  };
  if (health.type === 'none') {
    await check();
    return 'running';
  }

  const target = describeTarget(health, first);
  const probe = async ({ remainingMs }: { remainingMs: number }): Promise<Probe> => {
    const details = await check();
    if (health.type === 'command') return probeCommand(runtime, containerId, health.command, Math.min(Math.max(remainingMs, 250), 5000), options.signal);
    const hostPort = publishedPort(details, health.port, service.name);
    return health.type === 'http' ? probeHttp(hostPort, health.path) : probeTcp(hostPort);
  };

  return retryUntil(probe, {
    timeoutMs: health.timeoutMs,
    initialIntervalMs: health.intervalMs,
    maxIntervalMs: Math.max(health.intervalMs, 1000),
    signal: options.signal,
    clock: options.clock,
    onTimeout: (last, elapsed) =>
      new DevenvError('HEALTH_TIMEOUT', `${service.name} did not become healthy within ${Math.round(elapsed / 1000)} s: ${target}; last result: ${last}`, {
        hint: `Check that ${service.name} listens where its \`health\` in devenv.yml looks (its last log lines are above), or raise \`health.timeout\`.`,
      }),
  }).catch(async (error: unknown) => {
    // The container goes with the failed run, so its logs are shown now or never.
    if (error instanceof DevenvError && error.code === 'HEALTH_TIMEOUT') error.details.push(...(await lastLogLines(runtime, containerId, 30)));
    throw error;
  });
}

function describeTarget(health: Exclude<HealthCheck, { type: 'none' }>, details: ContainerDetails): string {
  if (health.type === 'command') return `\`${health.command.join(' ')}\` did not exit 0`;
  const port = details.ports.find((p) => p.containerPort === health.port)?.hostPort ?? health.port;
  return health.type === 'http' ? `no 2xx/3xx from http://127.0.0.1:${port}${health.path}` : `nothing accepted a connection on 127.0.0.1:${port}`;
}

function publishedPort(details: ContainerDetails, containerPort: number, service: string): number {
  const published = details.ports.find((p) => p.containerPort === containerPort && p.hostPort > 0);
  if (!published) {
    throw new DevenvError('CONFIG_INVALID', `${service}'s health check uses port ${containerPort}, which is not published`, {
      hint: `Add ${containerPort} to \`ports\` of ${service} in devenv.yml, or use a \`command\` health check.`,
    });
  }
  return published.hostPort;
}

/** A command that hangs must not outlive the deadline: each run gets at most `limitMs`. */
async function probeCommand(runtime: Runtime, containerId: string, command: string[], limitMs: number, signal: AbortSignal): Promise<Probe> {
  const limit = AbortSignal.timeout(Math.ceil(limitMs));
  try {
    const result = await runtime.exec(containerId, command, AbortSignal.any([signal, limit]));
    if (result.exitCode === 0) return { done: true, value: 'command exited 0' };
    return { done: false, reason: `exit code ${result.exitCode}: ${result.output.trim().split('\n').pop() ?? ''}` };
  } catch (error) {
    if (limit.aborted && !signal.aborted) return { done: false, reason: `the command did not finish within ${(limitMs / 1000).toFixed(1)} s` };
    throw error;
  }
}

function probeHttp(port: number, path: string): Promise<Probe> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400 ? { done: true, value: `HTTP ${status}` } : { done: false, reason: `HTTP ${status}` });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 2 s')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ done: false, reason: e.code ?? e.message }));
    req.end();
  });
}

/**
 * Docker's port proxy accepts a connection on the host even when nothing listens in the container,
 * then closes it at once. So a port counts as open only if the connection survives a short while.
 */
function probeTcp(port: number): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 2000 });
    const finish = (probe: Probe) => { socket.destroy(); resolve(probe); };
    socket.once('connect', () => {
      const timer = setTimeout(() => finish({ done: true, value: 'port open' }), 150);
      socket.once('close', () => { clearTimeout(timer); finish({ done: false, reason: 'connection closed by the container' }); });
    });
    socket.once('timeout', () => finish({ done: false, reason: 'connect timed out' }));
    socket.once('error', (e: NodeJS.ErrnoException) => finish({ done: false, reason: e.code ?? e.message }));
  });
}
