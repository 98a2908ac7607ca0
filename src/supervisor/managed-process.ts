/**
 * One host process under devenv's supervisor, pm2-grade: it runs in its own process group (so
 * `npm run dev` → turbo → next all stop together), restarts by its policy with exponential backoff
 * (100 ms, ×1.5, at most 15 s; reset once it stayed up 30 s), and after more than max_restarts
 * unstable restarts it is errored, keeping its last output. Its output goes straight to its log file
 * (the process holds the file, not a pipe to the supervisor: should the supervisor be killed, the
 * process keeps running and writing until the next `up` or `down` deals with it); the file is rotated
 * by copying and truncating, which a process appending to it does not notice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, constants, copyFileSync, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HealthCheck, RestartSpec } from '../config/project.js';
import { appendPrivate, refuseSymlink } from '../util/devenv-dir.js';
import { groupGone } from './pids.js';
import { lastRunsOutput, START_MARKER } from './protocol.js';

export const BACKOFF_START_MS = 100;
export const BACKOFF_FACTOR = 1.5;
export const BACKOFF_MAX_MS = 15_000;
/** A run this long counts as stable: the backoff and the restart count start over. */
export const STABLE_AFTER_MS = 30_000;
const LOG_ROTATE_BYTES = 5_000_000;
const ROTATE_CHECK_MS = 10_000;
const KEEP_LINES = 50;

export interface ProcessSpec {
  service: string;
  command: string[];
  cwd: string;
  /** The whole environment of the process. */
  env: Record<string, string>;
  restart: RestartSpec;
  stopTimeoutMs: number;
  /** .devenv/logs/<service>.log */
  logFile: string;
  /** Decides reuse: the same hash means the running process is the one wanted. */
  configHash: string;
  /** "command:…,env.PORT:…": which field changed, when it did. */
  configFields: string;
  oneshot: boolean;
  /** Its health check (ports are host ports), so `ps` can run it from the records alone. */
  health: HealthCheck;
}

export type ProcessState =
  | 'running' // alive
  | 'backoff' // exited; restarting after a pause
  | 'stopping' // asked to stop; waiting for the group to exit
  | 'stopped' // stopped on request
  | 'exited' // exited and not restarted (restart: no, or on-failure after exit 0)
  | 'errored'; // crashed more than max_restarts times: given up

export interface ProcessStatus {
  service: string;
  state: ProcessState;
  pid?: number;
  /** Restarts since the last stable run. */
  restarts: number;
  /** Epoch ms of the current (or last) start. */
  startedAt: number;
  lastExit?: { code: number | null; signal: string | null; at: number };
  /** Why it is errored. */
  reason?: string;
  configHash: string;
  configFields: string;
  command: string[];
  health: HealthCheck;
  lastLines: string[];
}

export class ManagedProcess extends EventEmitter {
  private child?: ChildProcess;
  private state: ProcessState = 'stopped';
  private restarts = 0;
  private startedAt = 0;
  private lastExit?: ProcessStatus['lastExit'];
  private reason?: string;
  private timer?: NodeJS.Timeout;
  private delay = BACKOFF_START_MS;
  private exited?: Promise<void>;
  private rotation?: NodeJS.Timeout;
  private tail?: { size: number; mtimeMs: number; lines: string[] };

  constructor(readonly spec: ProcessSpec) {
    super();
  }

  start(): void {
    clearTimeout(this.timer);
    this.startedAt = Date.now();
    mkdirSync(dirname(this.spec.logFile), { recursive: true, mode: 0o700 });
    refuseSymlink(dirname(this.spec.logFile));
    const [file, ...args] = this.spec.command;
    this.rotate();
    const log = openSync(this.spec.logFile, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600);
    let child: ChildProcess;
    try {
      child = spawn(file!, args, { cwd: this.spec.cwd, env: this.spec.env, detached: true, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log); // the process has its own
    }
    this.child = child;
    this.state = 'running';
    // In the log, where one run ends and the next begins.
    this.write(`${START_MARKER}${this.spec.service} (pid ${child.pid ?? '?'}${this.restarts > 0 ? `, restart ${this.restarts}` : ''}) at ${new Date(this.startedAt).toISOString()} ──`);
    this.rotation ??= setInterval(() => this.rotate(), ROTATE_CHECK_MS).unref();
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.write(`devenv: cannot start ${JSON.stringify(file)}: ${error.message}`);
        this.onExit(child, 127, null);
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.onExit(child, code, signal);
        resolve();
      });
    });
    this.emit('change');
  }

  /** SIGTERM to the group, SIGKILL after stop_timeout; no restart afterwards. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null || this.state !== 'running') {
      if (this.state === 'backoff' || this.state === 'running') this.state = 'stopped';
      this.killGroup(child, 'SIGKILL');
      this.emit('change');
      return;
    }
    this.state = 'stopping';
    this.emit('change');
    this.killGroup(child, 'SIGTERM');
    const killer = setTimeout(() => this.killGroup(child, 'SIGKILL'), this.spec.stopTimeoutMs);
    await this.exited;
    clearTimeout(killer);
    // What the group leader left behind goes with it, and is gone when stop() returns: the port
    // is free for whatever starts next.
    this.killGroup(child, 'SIGKILL');
    if (child.pid !== undefined) await groupGone(child.pid, 2000);
  }

  status(): ProcessStatus {
    return {
      service: this.spec.service,
      state: this.state,
      ...(this.child?.pid !== undefined && (this.state === 'running' || this.state === 'stopping') ? { pid: this.child.pid } : {}),
      restarts: this.restarts,
      startedAt: this.startedAt,
      ...(this.lastExit ? { lastExit: this.lastExit } : {}),
      ...(this.reason ? { reason: this.reason } : {}),
      configHash: this.spec.configHash,
      configFields: this.spec.configFields,
      command: this.spec.command,
      health: this.spec.health,
      lastLines: this.lastLines(),
    };
  }

  /**
   * The log's last lines, read again only when the file changed: readiness checks ask for the status
   * every interval, and a quiet process's log stays as it was.
   */
  private lastLines(): string[] {
    try {
      const { size, mtimeMs } = lstatSync(this.spec.logFile);
      // From its last start (an earlier run's lines would read as this one's), or the run before when
      // this one has said nothing yet: a crash's output, not the restart's first line.
      if (this.tail?.size !== size || this.tail.mtimeMs !== mtimeMs) this.tail = { size, mtimeMs, lines: lastRunsOutput(lastLines(this.spec.logFile, KEEP_LINES)) };
      return [...this.tail.lines];
    } catch {
      return [];
    }
  }

  private write(line: string): void {
    try {
      appendPrivate(this.spec.logFile, `${line}\n`);
    } catch {
      // A full disk must not take the process down with it.
    }
  }

  /** Copy and truncate: the process keeps appending to the same file, from its new end. */
  private rotate(): void {
    try {
      if (existsSync(this.spec.logFile) && lstatSync(this.spec.logFile).size > LOG_ROTATE_BYTES) {
        copyFileSync(this.spec.logFile, `${this.spec.logFile}.1`);
        truncateSync(this.spec.logFile, 0);
      }
    } catch {
      // Rotation is best effort: a full disk must not take the process down.
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    const now = Date.now();
    this.lastExit = { code, signal, at: now };
    this.write(`── ${this.spec.service} (pid ${child.pid ?? '?'}) exited ${describeExit(code, signal)} at ${new Date(now).toISOString()} ──`);
    // Children the leader left behind must not outlive it.
    this.killGroup(child, 'SIGTERM');
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.state = 'stopped';
      this.emit('change');
      return;
    }
    const { policy, maxRestarts } = this.spec.restart;
    const failed = code !== 0;
    if (policy === 'no' || (policy === 'on-failure' && !failed)) {
      this.state = 'exited';
      this.emit('change');
      return;
    }
    if (now - this.startedAt >= STABLE_AFTER_MS) {
      this.restarts = 0;
      this.delay = BACKOFF_START_MS;
    }
    this.restarts += 1;
    if (maxRestarts > 0 && this.restarts > maxRestarts) {
      this.restarts = maxRestarts;
      this.state = 'errored';
      this.reason = `exited ${describeExit(code, signal)} ${maxRestarts + 1} times in a row, each within ${STABLE_AFTER_MS / 1000} s of starting; not restarted again`;
      this.emit('change');
      return;
    }
    this.state = 'backoff';
    const wait = this.delay;
    this.delay = Math.min(this.delay * BACKOFF_FACTOR, BACKOFF_MAX_MS);
    this.timer = setTimeout(() => this.start(), wait);
    this.emit('change');
  }

  private killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
    if (child?.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  }
}

/** The last lines of a log file (its last 64 KB at most), the last line's newline dropped. */
function lastLines(file: string, count: number): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const size = fstatSync(fd).size;
    const length = Math.min(size, 65_536);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n').map((l) => l.replace(/\r$/, ''));
    if (lines.at(-1) === '') lines.pop();
    // A partial first line (the read began mid-line) is not shown.
    return (length < size ? lines.slice(1) : lines).slice(-count);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function describeExit(code: number | null, signal: string | null): string {
  return signal ? `on ${signal}` : `with code ${code}`;
}
