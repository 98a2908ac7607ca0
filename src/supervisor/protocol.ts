/** What the supervisor daemon and its clients share: where things are, and the messages. */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { devenvDir, ensureDevenvDir, readJsonFile, writeFileAtomic } from '../util/devenv-dir.js';
import type { ProcessSpec, ProcessStatus } from './managed-process.js';

export type SupervisorRequest =
  | { op: 'status' }
  /** Start (or replace) a service's process. */
  | { op: 'start'; spec: ProcessSpec }
  | { op: 'restart'; service: string }
  /** Stop a service's process, keeping it (its spec, its state) for `start`. */
  | { op: 'stop'; service: string }
  /** Stop and forget a service's process (`down`, a service gone from devenv.yml). */
  | { op: 'remove'; service: string }
  | { op: 'remove-all' };

export type SupervisorResponse = { ok: true; processes: ProcessStatus[] } | { ok: false; error: string };

/** A process as recorded on disk: enough to show it, start it again, or stop what a dead daemon left. */
export interface ProcessRecord {
  spec: ProcessSpec;
  status: ProcessStatus;
}

export interface ProcessRecords {
  project: string;
  processes: Record<string, ProcessRecord>;
}

export const supervisorFile = (dir: string) => path.join(devenvDir(dir), 'supervisor.json');
export const processRecordsFile = (dir: string) => path.join(devenvDir(dir), 'processes.json');
export const logFile = (dir: string, service: string) => path.join(devenvDir(dir), 'logs', `${service}.log`);

/** The line the supervisor writes to a process's log each time it starts it. */
export const START_MARKER = '── devenv started ';

const EXIT_LINE = /^── \S+ \(pid \S+\) exited .* ──$/;

/**
 * A log's lines of the last run: what earlier runs printed is not this run's. The supervisor writes a
 * run's start line once it has spawned it, so the run's first output can come before it: the run
 * begins after the exit line of the one before (or at its start line when that one left none).
 */
export function sinceLastStart(lines: string[]): string[] {
  const last = (test: (line: string) => boolean, before: number) => {
    for (let i = before - 1; i >= 0; i -= 1) if (test(lines[i]!)) return i;
    return -1;
  };
  const start = last((l) => l.startsWith(START_MARKER), lines.length);
  if (start < 0) return lines;
  const exit = last((l) => EXIT_LINE.test(l), start);
  const previous = last((l) => l.startsWith(START_MARKER), start);
  if (exit < 0 && previous < 0) return lines;
  return lines.slice(exit > previous ? exit + 1 : start);
}

/**
 * What says why a process is where it is: its last run, and when that run has written nothing yet (a
 * restart just began) the run before too, whose end is the news.
 */
export function lastRunsOutput(lines: string[]): string[] {
  const last = sinceLastStart(lines);
  const quiet = last.every((line) => line.startsWith(START_MARKER));
  return quiet && last.length < lines.length ? [...sinceLastStart(lines.slice(0, lines.length - last.length)), ...last] : last;
}

/**
 * The daemon's socket. In the system's temporary folder, because a socket path is limited to about
 * 100 bytes and project folders can be deeper; named by a hash of the folder and project.
 */
export function socketPath(dir: string, project: string): string {
  const id = createHash('sha256').update(`${path.resolve(dir)}\0${project}`).digest('hex').slice(0, 16);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return path.join(tmpdir(), `devenv-${uid}-${id}.sock`);
}

export function readRecords(dir: string, project: string): ProcessRecords {
  const value = readJsonFile(processRecordsFile(dir)) as Partial<ProcessRecords> | undefined;
  if (!value || value.project !== project || typeof value.processes !== 'object' || value.processes === null) return { project, processes: {} };
  return { project, processes: value.processes };
}

export function writeRecords(file: string, project: string, records: ProcessRecord[]): void {
  try {
    ensureDevenvDir(path.dirname(path.dirname(file)));
    const processes = Object.fromEntries(records.map((r) => [r.spec.service, r]));
    writeFileAtomic(file, `${JSON.stringify({ project, processes } satisfies ProcessRecords)}\n`);
  } catch {
    // Status on disk is a convenience; the daemon keeps supervising without it.
  }
}
