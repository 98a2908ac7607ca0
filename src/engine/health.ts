/**
 * Health of a started service, checked from the host (http, tcp) or inside the container (command).
 * It explains itself: each failed probe reports what it saw (the HTTP status and the start of the
 * body), a health path that keeps answering 4xx fails early, and an exit or restart while devenv
 * waits fails at once with the container's last log lines. It never waits out a deadline for nothing.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { ContainerService, HealthCheck } from '../config/project.js';
import { DevenvError } from '../errors.js';
import type { ContainerDetails, Runtime } from '../runtime/runtime.js';
import { realClock, retryUntil, type Clock } from '../util/retry.js';
import { lastLogLines } from './last-logs.js';

/** How long a 4xx must persist before devenv calls the health path wrong rather than warming up. */
export const CLIENT_ERROR_GRACE_MS = 3000;
/** A service with no health check is ready once it has run this long without exiting or restarting. */
export const MIN_UPTIME_MS = 1000;
/** How much of an HTTP answer's body is kept to explain it. */
const BODY_BYTES = 300;
/** How long a health check asks at its own interval before it backs off towards 1 s. */
const STEADY_MS = 5000;

type Probe = { done: true; value: string } | { done: false; reason: string; status?: number; body?: string };

/**
 * An app in a container that could not reach 127.0.0.1/localhost: inside a container that is the
 * container itself (a setting written for the host, often from an env file). Says where to point it.
 */
export function loopbackHint(lines: string[], service: string): string | undefined {
  const found = lines.map((l) => /(?:ECONNREFUSED|connect(?:ion)? refused|could not connect)[^\n]*?(127\.0\.0\.1|localhost|::1):(\d+)/i.exec(l)).find(Boolean);
  if (!found) return undefined;
  return `${service} tried ${found[1]}:${found[2]}, which inside its container is the container itself: point it at the service by name (\`\${db.host}\` and \`\${db.port}\` in its env, or \`\${db.url}\`), not at localhost, in devenv.yml or the env file it reads.`;
}

export async function waitHealthy(
  runtime: Runtime,
  containerId: string,
  service: ContainerService,
  options: { signal: AbortSignal; clock?: Clock; onProgress?: (message: string) => void },
): Promise<string> {
  const health = service.health;
  const clock = options.clock ?? realClock;
  const first = await runtime.inspectContainer(containerId);
  const check = async (): Promise<ContainerDetails> => {
    const now = await runtime.inspectContainer(containerId);
    // 'restarting' is the engine's pause between a crash and the next start: startedAt is then the
    // crashed run's, so it must not pass for time spent up.
    if (now.state === 'exited' || now.state === 'dead' || now.state === 'restarting' || now.restartCount > first.restartCount) {
      // Running again, inspect shows the new run (exit code 0): the engine's die event, before the new
      // run's start (both by the engine's clock), has the crash's.
      const code = now.state === 'running'
        ? await runtime.lastExitCode(containerId, { since: first.startedAt || Date.now() - 3_600_000, until: now.startedAt || Date.now() }, AbortSignal.any([options.signal, AbortSignal.timeout(2000)])).catch(() => undefined)
        : now.exitCode;
      const what = now.state === 'exited' || now.state === 'dead' ? `exited with code ${now.exitCode}` : `restarted (${code === undefined ? 'it exited' : `exit code ${code}`})`;
      const completed = now.state === 'exited' && now.exitCode === 0 && now.restartCount === first.restartCount;
      const lines = await lastLogLines(runtime, containerId, 30);
      throw new DevenvError('SERVICE_EXITED', `${service.name} ${what}${now.oomKilled ? ' (out of memory)' : ''} while devenv waited for it to ${health.type === 'none' ? 'stay up' : 'become healthy'}`, {
        details: lines,
        hint: completed
          ? `${service.name} ran to completion. If that is its job (a worker's batch, an asset build), mark it \`oneshot: true\` in devenv.yml; a long-running service must keep running.`
          : `Its last log lines are above (\`devenv logs ${service.name}\` shows them all). ${loopbackHint(lines, service.name) ?? `Check \`command\` and \`env\` of ${service.name} in devenv.yml.`}`,
      });
    }
    return now;
  };
  if (health.type === 'none') {
    // No check to pass: it must stay up a moment, so an exit at once is not taken for a start.
    // (The engine's clock says since when: a container running for a while is ready at once.)
    for (;;) {
      const now = await check();
      const up = now.startedAt > 0 ? Date.now() - now.startedAt : 0;
      if (up >= MIN_UPTIME_MS) return 'running';
      await clock.sleep(Math.min(100, MIN_UPTIME_MS - up), options.signal);
    }
  }

  const target = describeTarget(health, first);
  let last: Probe | undefined;
  let clientErrorSince: { status: number; at: number } | undefined;
  const probe = async ({ remainingMs }: { remainingMs: number }): Promise<Probe> => {
    const details = await check();
    const result = health.type === 'command'
      ? await probeCommand(runtime, containerId, health.command, Math.min(Math.max(remainingMs, 250), 5000), options.signal)
      : health.type === 'http' ? await probeHttp(publishedPort(details, health.port, service.name), health.path)
        : await probeTcp(publishedPort(details, health.port, service.name));
    last = result;
    if (!result.done) {
      options.onProgress?.(`waiting: ${result.reason}`);
      // A 5xx is often a dependency warming up; a 4xx that persists is a wrong path (or a missing route).
      const status = result.status;
      if (status !== undefined && status >= 400 && status < 500) {
        if (clientErrorSince?.status !== status) clientErrorSince = { status, at: clock.now() };
        else if (clock.now() - clientErrorSince.at >= CLIENT_ERROR_GRACE_MS) throw wrongPath(service, target, result);
      } else clientErrorSince = undefined;
    }
    return result;
  };

  return retryUntil(probe, {
    timeoutMs: health.timeoutMs,
    initialIntervalMs: health.intervalMs,
    maxIntervalMs: Math.max(health.intervalMs, 1000),
    // Most apps answer within a few seconds of their start: ask every interval until then, so the
    // answer is seen within one interval of coming, then back off for the slow ones. A command check
    // costs the engine an exec (~80 ms of runc work) each time: it backs off at once.
    steadyMs: health.type === 'command' ? 0 : STEADY_MS,
    signal: options.signal,
    clock,
    onTimeout: (reason, elapsed) =>
      new DevenvError('HEALTH_TIMEOUT', `${service.name} did not become healthy within ${Math.round(elapsed / 1000)} s: ${target}; last result: ${reason}`, {
        details: bodyLines(last),
        hint: `Check that ${service.name} listens where its \`health\` in devenv.yml looks (its last log lines are above), or raise \`health.timeout\`.`,
      }),
  }).catch(async (error: unknown) => {
    // The container is kept for `devenv logs`, but the reason belongs with the error.
    if (error instanceof DevenvError && (error.code === 'HEALTH_TIMEOUT' || error.code === 'HEALTH_CHECK_FAILED')) {
      const lines = await lastLogLines(runtime, containerId, 30);
      error.details.push(lines.length > 0 ? `last log lines of ${service.name}:` : `${service.name} has written no log lines`, ...lines.map((l) => `  ${l}`));
      const loopback = loopbackHint(lines, service.name);
      if (loopback) throw new DevenvError(error.code, error.message, { details: error.details, hint: loopback, cause: error.cause });
    }
    throw error;
  });
}

function wrongPath(service: ContainerService, target: string, result: Extract<Probe, { done: false }>): DevenvError {
  return new DevenvError('HEALTH_CHECK_FAILED', `${service.name}'s health check answers ${result.reason.split(':')[0]} for ${CLIENT_ERROR_GRACE_MS / 1000} s while it runs (${target})`, {
    details: bodyLines(result),
    hint: `Check \`health.http\` of ${service.name} in devenv.yml: the path must answer 2xx or 3xx once the app is ready.`,
  });
}

function bodyLines(probe: Probe | undefined): string[] {
  if (!probe || probe.done || !probe.body) return [];
  return [`body of the last answer (first ${BODY_BYTES} bytes):`, ...probe.body.split('\n').map((l) => `  ${l}`)];
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

/** GET path; a failure keeps the status and the start of the body, which often names the cause. */
export function probeHttp(port: number, path: string, host = '127.0.0.1'): Promise<Probe> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', agent: false, timeout: 2000 }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 400) {
        res.resume();
        resolve({ done: true, value: `HTTP ${status}` });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const body = Buffer.concat(chunks).subarray(0, BODY_BYTES).toString('utf8').trim();
        const oneLine = body.replace(/\s+/g, ' ').slice(0, 120);
        resolve({ done: false, status, reason: `HTTP ${status}${oneLine ? `: ${oneLine}` : ''}`, ...(body ? { body } : {}) });
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= BODY_BYTES) res.destroy();
      });
      res.once('close', finish);
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
export function probeTcp(port: number, host = '127.0.0.1'): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    const finish = (probe: Probe) => { socket.destroy(); resolve(probe); };
    socket.once('connect', () => {
      const timer = setTimeout(() => finish({ done: true, value: 'port open' }), 150);
      socket.once('close', () => { clearTimeout(timer); finish({ done: false, reason: 'connection closed by the container' }); });
    });
    socket.once('timeout', () => finish({ done: false, reason: 'connect timed out' }));
    socket.once('error', (e: NodeJS.ErrnoException) => finish({ done: false, reason: e.code ?? e.message }));
  });
}
