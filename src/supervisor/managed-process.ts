/**
 * One host process under devenv's supervisor, pm2-grade: it runs in its own process group (so
 * `npm run dev` → turbo → next all stop together), restarts by its policy with exponential backoff
 * (100 ms, ×1.5, at most 15 s; reset once it stayed up 30 s), and after more than max_restarts
 * unstable restarts it is errored, keeping its last output. Output goes to a log file (rotated)
 * and to listeners, line by line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, lstatSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { HealthCheck, RestartSpec } from '../config/project.js';
import { appendPrivate, refuseSymlink } from '../util/devenv-dir.js';
import { groupGone } from './pids.js';

export const BACKOFF_START_MS = 100;
export const BACKOFF_FACTOR = 1.5;
export const BACKOFF_MAX_MS = 15_000;
/** A run this long counts as stable: the backoff and the restart count start over. */
export const STABLE_AFTER_MS = 30_000;
const LOG_ROTATE_BYTES = 5_000_000;
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
  private readonly lastLines: string[] = [];
  private exited?: Promise<void>;

  constructor(readonly spec: ProcessSpec) {
    super();
  }

  start(): void {
    clearTimeout(this.timer);
    this.startedAt = Date.now();
    mkdirSync(dirname(this.spec.logFile), { recursive: true, mode: 0o700 });
    refuseSymlink(dirname(this.spec.logFile));
    const [file, ...args] = this.spec.command;
    const child = spawn(file!, args, { cwd: this.spec.cwd, env: this.spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.state = 'running';
    // In the log, where one run ends and the next begins.
    this.write(`── devenv started ${this.spec.service} (pid ${child.pid ?? '?'}${this.restarts > 0 ? `, restart ${this.restarts}` : ''}) at ${new Date(this.startedAt).toISOString()} ──`);
    for (const [stream, name] of [[child.stdout, 'stdout'], [child.stderr, 'stderr']] as const) {
      const decoder = new StringDecoder('utf8');
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (partial + decoder.write(chunk)).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) this.line(name, line.replace(/\r$/, ''));
      });
      stream.on('end', () => { if (partial) this.line(name, partial); partial = ''; });
    }
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.line('stderr', `devenv: cannot start ${JSON.stringify(file)}: ${error.message}`);
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
      lastLines: [...this.lastLines],
    };
  }

  private line(stream: 'stdout' | 'stderr', line: string): void {
    this.lastLines.push(line);
    if (this.lastLines.length > KEEP_LINES) this.lastLines.shift();
    this.write(line);
    this.emit('line', stream, line);
  }

  private write(line: string): void {
    try {
      if (existsSync(this.spec.logFile) && lstatSync(this.spec.logFile).size > LOG_ROTATE_BYTES) renameSync(this.spec.logFile, `${this.spec.logFile}.1`);
      appendPrivate(this.spec.logFile, `${line}\n`);
    } catch {
      // A full disk must not take the process down with it.
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    const now = Date.now();
    this.lastExit = { code, signal, at: now };
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

export function describeExit(code: number | null, signal: string | null): string {
  return signal ? `on ${signal}` : `with code ${code}`;
}
