/**
 * What the plan's host-process steps do: start, restart, stop and remove through the supervisor,
 * and wait until a process is ready: healthy (its check on 127.0.0.1), running a while without a
 * restart (no check), or exited 0 (a one-shot). An exit, a restart or an errored state while devenv
 * waits fails at once with its last output lines.
 */
import { spawn } from 'node:child_process';
import type { ProcessService } from '../config/project.js';
import { DevenvError } from '../errors.js';
import type { HostProcess, HostProcesses } from '../supervisor/client.js';
import { describeExit } from '../supervisor/managed-process.js';
import { realClock, retryUntil, type Clock } from '../util/retry.js';
import { probeHttp, probeTcp } from './health.js';
import { withoutControl } from '../util/ansi.js';

/** A process with no health check is ready once it has run this long without a restart. */
export const MIN_UPTIME_MS = 1000;

/** A kept process up longer than this that does not answer is not going to by waiting. */
const KEPT_GRACE_MS = 15_000;
/** …and has not answered for this long. */
const KEPT_FAILING_MS = 5_000;

export async function waitProcessReady(
  host: HostProcesses,
  service: ProcessService,
  options: { signal: AbortSignal; clock?: Clock; onProgress?: (message: string) => void; kept?: boolean },
): Promise<string> {
  const clock = options.clock ?? realClock;
  const current = async () => (await host.list()).find((p) => p.service === service.name);
  const first = await current();
  if (!first) throw new DevenvError('INTERNAL', `the supervisor does not know ${service.name}`);
  const startedAt = clock.now();
  const failed = (p: HostProcess | undefined, what: string) =>
    new DevenvError('SERVICE_EXITED', `${service.name} ${what} while devenv waited for it ${service.oneshot ? 'to complete' : 'to become ready'}`, {
      details: p?.lastLines ?? [],
      hint: `Its last output lines are above (\`devenv logs ${service.name}\` shows them all). Check \`process\`, \`cwd\` and \`env\` of ${service.name} in devenv.yml.`,
    });
  let seen: HostProcess = first;
  const check = async (): Promise<HostProcess | undefined> => {
    const p = await current();
    if (p) seen = p;
    if (service.oneshot && p?.state === 'exited') {
      if (p.lastExit?.code === 0) return p;
      throw failed(p, `(a oneshot service) exited ${describeExit(p.lastExit?.code ?? null, p.lastExit?.signal ?? null)}`);
    }
    if (!p || p.state === 'exited' || p.state === 'stopped') throw failed(p, `exited ${describeExit(p?.lastExit?.code ?? null, p?.lastExit?.signal ?? null)}`);
    if (p.state === 'errored') throw failed(p, `is errored: ${p.reason ?? 'it kept crashing'}`);
    if (p.restarts > first.restarts || p.state === 'backoff') {
      throw failed(p, `exited ${describeExit(p.lastExit?.code ?? null, p.lastExit?.signal ?? null)} and is restarting (${p.restarts} restart${p.restarts === 1 ? '' : 's'})`);
    }
    return undefined;
  };

  const health = service.health;
  let failingSince: number | undefined;
  const deadline = health.type === 'none' ? Math.max(service.stopTimeoutMs, 60_000) : health.timeoutMs;
  return retryUntil(async () => {
    const done = await check();
    if (done) return { done: true, value: 'exited 0' };
    if (service.oneshot) return { done: false, reason: 'still running' };
    if (health.type === 'none') {
      const up = clock.now() - startedAt;
      return up >= MIN_UPTIME_MS ? { done: true, value: `running (pid ${first.pid ?? '?'})` } : { done: false, reason: 'just started' };
    }
    const probe = health.type === 'http' ? await probeHttp(health.port, health.path)
      : health.type === 'tcp' ? await probeTcp(health.port)
        : await probeHostCommand(health.command, service.cwd, Math.min(5000, health.timeoutMs), options.signal);
    // Kept running from before and up a while, yet not answering for 5 s (longer than a watcher's
    // reload): its app crashed inside the watcher (nodemon waits for a file change). Waiting out the
    // timeout would only delay saying so.
    failingSince = probe.done ? undefined : (failingSince ?? clock.now());
    if (!probe.done && options.kept && Date.now() - seen.startedAt > KEPT_GRACE_MS && clock.now() - failingSince! >= KEPT_FAILING_MS) {
      throw new DevenvError('HEALTH_CHECK_FAILED', `${service.name} is running (pid ${seen.pid ?? '?'}, since ${new Date(seen.startedAt).toISOString().slice(11, 19)}) but not answering: ${probe.reason}${seen.lastLines.length > 0 ? '; its last output:' : ''}`, {
        details: seen.lastLines.slice(-20),
        hint: `Its output above (\`devenv logs ${service.name}\`) says why it stopped answering: fix that and save (a watcher reloads it), or \`devenv restart ${service.name}\` starts it again.`,
      });
    }
    // A watcher that says its app crashed waits for a file change: no wait of devenv's will see it healthy.
    const crash = probe.done ? undefined : watcherCrash(seen.lastLines);
    if (crash) {
      throw new DevenvError('HEALTH_CHECK_FAILED', `${service.name}'s app crashed inside its watcher ("${crash}"); its output:`, {
        details: seen.lastLines.slice(-20),
        hint: `Fix what its output above says and save: the watcher starts it again (\`devenv up\` then finds it healthy). \`devenv logs ${service.name}\` shows all of it.`,
      });
    }
    if (!probe.done) options.onProgress?.(`waiting: ${probe.reason}`);
    return probe;
  }, {
    timeoutMs: deadline,
    initialIntervalMs: health.type === 'none' ? 100 : health.intervalMs,
    maxIntervalMs: 1000,
    signal: options.signal,
    clock,
    // Still running, never healthy: a watcher (nodemon, node --watch) that keeps a crashed app's
    // process alive looks like this; its output says why.
    onTimeout: (reason, elapsed) => new DevenvError('HEALTH_TIMEOUT', `${service.name} did not become ${service.oneshot ? 'done' : 'healthy'} within ${Math.round(elapsed / 1000)} s; last result: ${reason}${seen.lastLines.length > 0 ? '; its last output:' : ''}`, {
      details: seen.lastLines.slice(-20),
      hint: `Check its output${seen.lastLines.length > 0 ? ' above' : ''} (\`devenv logs ${service.name}\`), that ${service.name} listens where its \`health\` in devenv.yml looks, or raise \`health.timeout\`.`,
    }),
  });
}

/**
 * What a file watcher prints when the app it runs crashed and it waits for a change (nodemon, node
 * --watch), when that is the process's last line of output; undefined otherwise.
 */
export function watcherCrash(lines: string[]): string | undefined {
  const last = [...lines].reverse().find((line) => line.trim() !== '')?.trim();
  // nodemon colours its lines; node --watch writes "Failed running 'server.js'".
  const plain = last === undefined ? undefined : withoutControl(last);
  return plain && (/^\[nodemon\] app crashed\b/.test(plain) || /^Failed running '.+'$/.test(plain)) ? plain : undefined;
}

/** A health command run on the host, in the service's folder, bounded in time. */
function probeHostCommand(command: string[], cwd: string, limitMs: number, signal: AbortSignal): Promise<{ done: true; value: string } | { done: false; reason: string }> {
  return new Promise((resolve) => {
    const [file, ...args] = command;
    const child = spawn(file!, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], signal: AbortSignal.any([signal, AbortSignal.timeout(limitMs)]) });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.once('error', (e) => resolve({ done: false, reason: e.name === 'AbortError' ? `the command did not finish within ${limitMs / 1000} s` : e.message }));
    child.once('exit', (code) => resolve(code === 0 ? { done: true, value: 'command exited 0' } : { done: false, reason: `exit code ${code}: ${output.trim().split('\n').pop() ?? ''}` }));
  });
}
