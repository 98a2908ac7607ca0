/**
 * How commands reach host processes: through the supervisor daemon when it runs (started on demand),
 * else from the records it left. HostProcesses is the interface the engine uses (a fake in unit tests).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DevenvError } from '../errors.js';
import { readJsonFile } from '../util/devenv-dir.js';
import type { ProcessSpec, ProcessStatus } from './managed-process.js';
import { groupGone, isAlive } from './pids.js';
import { logFile, processRecordsFile, readRecords, socketPath, supervisorFile, writeRecords, type SupervisorRequest, type SupervisorResponse } from './protocol.js';

/** A host process as a command sees it: live from the daemon, or as recorded when no daemon runs. */
export interface HostProcess extends ProcessStatus {
  /** Recorded as running, but the daemon that supervised it is gone (killed): nobody restarts it. */
  orphaned?: boolean;
}

export interface HostProcesses {
  /** Every host process of the project, running or not. */
  list(): Promise<HostProcess[]>;
  start(spec: ProcessSpec): Promise<ProcessStatus>;
  restart(service: string): Promise<ProcessStatus>;
  stop(service: string): Promise<void>;
  /** Stops and forgets: the service's process (or all of them). */
  remove(service?: string): Promise<void>;
  /** Stops processes a killed daemon left running; returns what it stopped ("web (pid 123)"). */
  stopOrphans(): Promise<string[]>;
  /** The spec a stopped process would start again with, when recorded. */
  recordedSpec(service: string): ProcessSpec | undefined;
  /** Where a service's output goes (.devenv/logs/<service>.log). */
  logFile(service: string): string;
}

/** The CLI that runs now (bin/devenv.js, or npx's link to it): the daemon is devenv itself. */
const bin = () => process.argv[1] ?? fileURLToPath(new URL('../../bin/devenv.js', import.meta.url));

export class DaemonHostProcesses implements HostProcesses {
  constructor(
    private readonly dir: string,
    private readonly project: string,
  ) {}

  async list(): Promise<HostProcess[]> {
    const live = await this.ask({ op: 'status' }, false);
    const byService = new Map<string, HostProcess>();
    for (const record of Object.values(readRecords(this.dir, this.project).processes)) {
      const running = record.status.pid !== undefined && (record.status.state === 'running' || record.status.state === 'stopping');
      // Without a daemon, a process recorded as running is an orphan if it lives, and gone if not.
      const alive = running && isAlive(record.status.pid!);
      byService.set(record.spec.service, !running ? record.status
        : alive ? { ...record.status, orphaned: live === undefined }
          : { ...record.status, state: 'exited', pid: undefined } as HostProcess);
    }
    for (const status of live ?? []) byService.set(status.service, status);
    return [...byService.values()].sort((a, b) => a.service.localeCompare(b.service));
  }

  async start(spec: ProcessSpec): Promise<ProcessStatus> {
    return (await this.ask({ op: 'start', spec }, true))![0]!;
  }

  async restart(service: string): Promise<ProcessStatus> {
    const spec = this.recordedSpec(service);
    if (spec) return this.start(spec);
    throw new DevenvError('USAGE', `no host process "${service}" in project "${this.project}"`);
  }

  async stop(service: string): Promise<void> {
    await this.ask({ op: 'stop', service }, false);
  }

  async remove(service?: string): Promise<void> {
    const done = await this.ask(service ? { op: 'remove', service } : { op: 'remove-all' }, false);
    if (done !== undefined) return;
    await this.stopOrphans();
    // No daemon to forget them: the records go here, or every later plan would meet them again.
    const records = readRecords(this.dir, this.project);
    const kept = Object.values(records.processes).filter((r) => service !== undefined && r.spec.service !== service);
    writeRecords(processRecordsFile(this.dir), this.project, kept);
  }

  async stopOrphans(): Promise<string[]> {
    if (await this.ask({ op: 'status' }, false)) return [];
    const stopped: string[] = [];
    for (const p of await this.list()) {
      if (!p.orphaned || p.pid === undefined) continue;
      await killGroup(p.pid);
      stopped.push(`${p.service} (pid ${p.pid})`);
    }
    return stopped;
  }

  recordedSpec(service: string): ProcessSpec | undefined {
    return readRecords(this.dir, this.project).processes[service]?.spec;
  }

  logFile(service: string): string {
    return logFile(this.dir, service);
  }

  /** One request; undefined when no daemon answers and `start` is false. */
  private async ask(request: SupervisorRequest, start: boolean): Promise<ProcessStatus[] | undefined> {
    const socket = socketPath(this.dir, this.project);
    let response = await send(socket, request).catch(() => undefined);
    if (response === undefined && start) {
      await this.startDaemon(socket);
      response = await send(socket, request);
    }
    if (response === undefined) return undefined;
    if (!response.ok) throw new DevenvError('INTERNAL', `the supervisor refused ${request.op}: ${response.error}`);
    return response.processes;
  }

  private async startDaemon(socket: string): Promise<void> {
    const child = spawn(process.execPath, [bin(), '__supervise', this.dir, this.project], { detached: true, stdio: 'ignore', cwd: this.dir });
    child.unref();
    for (let waited = 0; waited < 10_000; waited += 25) {
      if (existsSync(socket) && (await send(socket, { op: 'status' }).catch(() => undefined))) return;
      await sleep(25);
    }
    throw new DevenvError('INTERNAL', `the host process supervisor did not start (no answer on ${socket} within 10 s)`, {
      hint: 'Run with --debug, and look at .devenv/logs/supervisor.log.',
    });
  }
}

/** The daemon's pid, if its file names one that is alive. */
export function supervisorPid(dir: string): number | undefined {
  const info = readJsonFile(supervisorFile(dir)) as { pid?: number } | undefined;
  return info?.pid !== undefined && isAlive(info.pid) ? info.pid : undefined;
}

function send(socket: string, request: SupervisorRequest): Promise<SupervisorResponse> {
  return new Promise((resolve, reject) => {
    const connection = connect(socket);
    let buffer = '';
    connection.once('connect', () => connection.write(`${JSON.stringify(request)}\n`));
    connection.on('data', (chunk) => { buffer += chunk.toString('utf8'); });
    connection.once('end', () => {
      try {
        resolve(JSON.parse(buffer) as SupervisorResponse);
      } catch (error) {
        reject(error);
      }
    });
    connection.once('error', reject);
  });
}

/** SIGTERM to the group, SIGKILL after 5 s. */
async function killGroup(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => { try { process.kill(-pid, s); } catch { /* gone */ } };
  signal('SIGTERM');
  if (await groupGone(pid, 5000)) return;
  signal('SIGKILL');
  await groupGone(pid, 2000);
}
