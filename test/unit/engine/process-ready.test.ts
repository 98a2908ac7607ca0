import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ProcessService } from '../../../src/config/project.js';
import { waitProcessReady, watcherCrash } from '../../../src/engine/process-steps.js';
import type { HostProcess, HostProcesses } from '../../../src/supervisor/client.js';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A host process service `api` checked by TCP on `port`, every 50 ms, for `timeoutMs`. */
function api(port: number, timeoutMs: number): ProcessService {
  return {
    kind: 'process', name: 'api', dependsOn: [], command: ['npm', 'run', 'dev'], cwd: '/tmp', env: {}, oneshot: false,
    health: { type: 'tcp', port, intervalMs: 50, timeoutMs }, restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 1000,
  } as unknown as ProcessService;
}

/** What the supervisor says of it: running since `startedAt`, with these last lines. */
function runningAs(service: ProcessService, startedAt: number, lastLines: string[]): HostProcess {
  return { service: 'api', state: 'running', pid: 4242, restarts: 0, startedAt, configHash: 'h', configFields: '', command: service.command, health: service.health, lastLines };
}

describe('waitProcessReady', () => {
  it('a process that keeps running but never answers (a watcher around a crashed app) times out with its last output', async () => {
    const port = await closedPort();
    const service = api(port, 400);
    // tsx watch prints the error and waits, saying nothing devenv could recognise.
    const running = runningAs(service, Date.now(), ['SyntaxError: Unexpected token (12:4)', '    at compile (src/index.ts:12:4)']);
    const host = { list: async () => [running] } as unknown as HostProcesses;
    const error = await waitProcessReady(host, service, { signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HEALTH_TIMEOUT', message: expect.stringMatching(/^api did not become healthy within 0 s; last result: .*; its last output:$/) });
    expect((error as { details: string[] }).details).toContain('SyntaxError: Unexpected token (12:4)');
  });

  it('a watcher that says its app crashed (nodemon, node --watch) fails at once, with its output', async () => {
    const port = await closedPort();
    const service = api(port, 3_600_000);
    const nodemon = runningAs(service, Date.now(), ['[nodemon] starting `ts-node src/index.ts`', 'Error: Variable JWT_SECRET not found', '\u001b[31m[nodemon] app crashed - waiting for file changes before starting...\u001b[39m']);
    const error = await waitProcessReady({ list: async () => [nodemon] } as unknown as HostProcesses, service, { signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HEALTH_CHECK_FAILED', message: 'api\'s app crashed inside its watcher ("[nodemon] app crashed - waiting for file changes before starting..."); its output:' });
    expect((error as { details: string[] }).details).toContain('Error: Variable JWT_SECRET not found');
    expect(watcherCrash(['TypeError: x is not a function', "Failed running 'server.js'", ''])).toBe("Failed running 'server.js'");
    // Started again after a save: its last line is no longer the crash.
    expect(watcherCrash(['[nodemon] app crashed - waiting for file changes before starting...', '[nodemon] restarting due to changes...'])).toBeUndefined();
  });

  it('a process kept from before, up a while and not answering for 5 s, fails without waiting out its timeout', async () => {
    const port = await closedPort();
    const service = api(port, 3_600_000);
    const running = runningAs(service, Date.now() - 60_000, ['Error: connect ECONNREFUSED 127.0.0.1:6379']);
    const host = { list: async () => [running] } as unknown as HostProcesses;
    // A clock that moves a second per reading: the 5 s of failing pass at once.
    let now = 0;
    const clock = { now: () => (now += 1000), sleep: async () => undefined };
    const error = await waitProcessReady(host, service, { signal: new AbortController().signal, kept: true, clock }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HEALTH_CHECK_FAILED', message: expect.stringMatching(/^api is running \(pid 4242, since \d\d:\d\d:\d\d\) but not answering: .*; its last output:$/) });
    expect((error as { hint: string }).hint).toContain('fix that and save (a watcher reloads it), or `devenv restart api` starts it again');
    // Just started (a restart a moment ago): it is waited for as usual.
    running.startedAt = Date.now();
    now = 0;
    const waited = await waitProcessReady(host, { ...service, health: { ...service.health, timeoutMs: 20_000 } } as ProcessService, { signal: new AbortController().signal, kept: true, clock }).catch((e: unknown) => e);
    expect(waited).toMatchObject({ code: 'HEALTH_TIMEOUT' });
  });
});
