/**
 * The supervisor daemon: `devenv __supervise DIR PROJECT`, started detached by the first command that
 * starts a host process, so processes outlive the CLI (`up -d`) and any command can reach them.
 * One JSON request per connection on a unix socket; its pid and socket in .devenv/supervisor.json;
 * every process's spec and state in .devenv/processes.json (so `ps` works without it, `start` can
 * start a stopped process again, and a command can stop what a killed daemon left behind).
 * It exits once no process is running or waiting to restart.
 */
import { rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { ensureDevenvDir, writeFileAtomic } from '../util/devenv-dir.js';
import { ManagedProcess, type ProcessSpec } from './managed-process.js';
import {
  processRecordsFile, readRecords, socketPath, supervisorFile, writeRecords, type SupervisorRequest, type SupervisorResponse,
} from './protocol.js';

const ALIVE = new Set(['running', 'backoff', 'stopping']);

export async function runDaemon(dir: string, project: string): Promise<void> {
  ensureDevenvDir(dir);
  const socket = socketPath(dir, project);
  rmSync(socket, { force: true });
  // Processes this daemon runs; stopped ones stay listed (with their spec) until removed.
  const processes = new Map<string, ManagedProcess>();
  // What an earlier daemon recorded and this one has not taken over: kept in the records.
  const inherited = readRecords(dir, project).processes;
  const persist = () => {
    const records = { ...inherited };
    for (const [service, p] of processes) records[service] = { spec: p.spec, status: p.status() };
    writeRecords(processRecordsFile(dir), project, Object.values(records));
  };
  let exiting = false;
  const exitIfIdle = () => {
    if (exiting || [...processes.values()].some((p) => ALIVE.has(p.status().state))) return;
    exiting = true;
    persist();
    server.close();
    rmSync(socket, { force: true });
    rmSync(supervisorFile(dir), { force: true });
    process.exit(0);
  };

  const start = async (spec: ProcessSpec) => {
    await processes.get(spec.service)?.stop();
    delete inherited[spec.service];
    const managed = new ManagedProcess(spec);
    managed.on('change', () => {
      persist();
      // A process that exited for good (errored, exited) may have been the last one.
      if (!ALIVE.has(managed.status().state)) setImmediate(exitIfIdle);
    });
    processes.set(spec.service, managed);
    managed.start();
    persist();
    return managed.status();
  };

  const handle = async (request: SupervisorRequest): Promise<SupervisorResponse> => {
    switch (request.op) {
      case 'status':
        return { ok: true, processes: [...processes.values()].map((p) => p.status()) };
      case 'start':
        return { ok: true, processes: [await start(request.spec)] };
      case 'restart': {
        const spec = processes.get(request.service)?.spec ?? inherited[request.service]?.spec;
        if (!spec) return { ok: false, error: `no host process "${request.service}"` };
        return { ok: true, processes: [await start(spec)] };
      }
      case 'stop': {
        const managed = processes.get(request.service);
        await managed?.stop();
        persist();
        return { ok: true, processes: managed ? [managed.status()] : [] };
      }
      case 'remove':
      case 'remove-all': {
        const chosen = request.op === 'remove' ? [request.service] : [...new Set([...processes.keys(), ...Object.keys(inherited)])];
        const stopped = await Promise.all(chosen.map(async (service) => {
          const managed = processes.get(service);
          await managed?.stop();
          processes.delete(service);
          delete inherited[service];
          return managed?.status();
        }));
        persist();
        return { ok: true, processes: stopped.filter((s) => s !== undefined) };
      }
    }
  };

  const server = createServer((connection: Socket) => {
    let buffer = '';
    connection.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      const line = buffer.slice(0, newline);
      buffer = '';
      let request: SupervisorRequest;
      try {
        request = JSON.parse(line) as SupervisorRequest;
      } catch {
        connection.end(`${JSON.stringify({ ok: false, error: 'not JSON' })}\n`);
        return;
      }
      handle(request).then(
        (response) => connection.end(`${JSON.stringify(response)}\n`, () => {
          // Asked to stop things: perhaps the last one. (A status request must not end an idle daemon
          // that a client has just started and is about to ask to start something.)
          if (request.op === 'stop' || request.op === 'remove' || request.op === 'remove-all') setImmediate(exitIfIdle);
        }),
        (error: unknown) => connection.end(`${JSON.stringify({ ok: false, error: (error as Error).message })}\n`),
      );
    });
    connection.on('error', () => undefined);
  });

  const shutdown = () => {
    void Promise.all([...processes.values()].map((p) => p.stop())).finally(exitIfIdle);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // The terminal that started `up -d` may close; the daemon stays.
  process.on('SIGHUP', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  writeFileAtomic(supervisorFile(dir), `${JSON.stringify({ pid: process.pid, socket, project, startedAt: Date.now() })}\n`);
  // Started by a command that died before asking for anything: do not linger.
  setTimeout(exitIfIdle, 30_000).unref();
}
