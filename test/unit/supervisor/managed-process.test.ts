/**
 * The supervisor's process handling, with real short-lived processes: restarts with backoff until
 * the restart limit (errored), exits kept as they are, and stops that take the whole process group.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManagedProcess, type ProcessSpec, type ProcessStatus } from '../../../src/supervisor/managed-process.js';
import { lastRunsOutput, sinceLastStart } from '../../../src/supervisor/protocol.js';
import { tempDir } from '../../helpers/temp.js';

function spec(command: string, overrides: Partial<ProcessSpec> = {}): ProcessSpec {
  const dir = tempDir('managed');
  return {
    service: 'web', command: ['sh', '-c', command], cwd: dir, env: { PATH: process.env.PATH ?? '' },
    restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000, logFile: join(dir, 'logs', 'web.log'),
    configHash: 'h', configFields: '', oneshot: false, health: { type: 'none' }, ...overrides,
  };
}

/** Resolves with the status once `done` holds for it. */
function until(p: ManagedProcess, done: (s: ProcessStatus) => boolean): Promise<ProcessStatus> {
  return new Promise((resolve) => {
    const check = () => { if (done(p.status())) { p.off('change', check); resolve(p.status()); } };
    p.on('change', check);
    check();
  });
}

/** Processes of a process group that are still alive (zombies waiting for their reaper are dead). */
function group(pgid: number): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,stat=', '-g', String(pgid)], { encoding: 'utf8' })
      .split('\n').map((l) => l.trim()).filter((l) => l && !/\sZ/.test(l));
  } catch {
    return []; // ps exits 1 when nothing matches
  }
}

describe('ManagedProcess', () => {
  it('restarts a crashing process with backoff and gives up after max_restarts, keeping its output', async () => {
    const p = new ManagedProcess(spec('echo "run $$"; exit 3', { restart: { policy: 'on-failure', maxRestarts: 3 } }));
    p.start();
    const errored = await until(p, (s) => s.state === 'errored');
    expect(errored).toMatchObject({ state: 'errored', restarts: 3, lastExit: { code: 3, signal: null } });
    expect(errored.reason).toBe('exited with code 3 4 times in a row, each within 30 s of starting; not restarted again');
    // The last run's lines (from its start marker), not the three before it: they were the runs before.
    expect(errored.lastLines.filter((l) => l.startsWith('run '))).toHaveLength(1);
    expect(errored.lastLines.filter((l) => l.startsWith('── devenv started'))).toEqual([expect.stringMatching(/^── devenv started web \(pid \d+, restart 3\) at /)]);
    expect(errored.lastLines.at(-1)).toMatch(/exited with code 3/);
    const log = readFileSync(p.spec.logFile, 'utf8');
    expect(log.match(/^── devenv started web \(pid \d+(, restart \d)?\) at /gm)).toHaveLength(4);
    expect(log.match(/^run \d+$/gm)).toHaveLength(4);
  });

  it('leaves an exited process alone with restart: no, and after exit 0 with on-failure', async () => {
    const once = new ManagedProcess(spec('exit 5'));
    once.start();
    expect(await until(once, (s) => s.state === 'exited')).toMatchObject({ restarts: 0, lastExit: { code: 5 } });
    const done = new ManagedProcess(spec('exit 0', { restart: { policy: 'on-failure', maxRestarts: 3 } }));
    done.start();
    expect(await until(done, (s) => s.state === 'exited')).toMatchObject({ restarts: 0, lastExit: { code: 0 } });
  });

  it('restarts a process killed by a signal, as a failure', async () => {
    const p = new ManagedProcess(spec('sleep 100', { restart: { policy: 'on-failure', maxRestarts: 0 } }));
    p.start();
    const first = p.status().pid!;
    process.kill(-first, 'SIGKILL');
    const again = await until(p, (s) => s.state === 'running' && s.pid !== first);
    expect(again).toMatchObject({ restarts: 1, lastExit: { signal: 'SIGKILL' } });
    await p.stop();
  });

  it('stops the whole process group: what the command started goes with it', async () => {
    const p = new ManagedProcess(spec('sleep 100 & sleep 100 & wait'));
    p.start();
    const pgid = p.status().pid!;
    await until(p, () => group(pgid).length >= 3);
    await p.stop();
    expect(p.status().state).toBe('stopped');
    expect(group(pgid)).toEqual([]);
  });

  it('writes straight to its log file, so it outlives a supervisor that is killed', async () => {
    const p = new ManagedProcess(spec('echo first; sleep 0.3; echo second; sleep 30'));
    p.start();
    const pid = p.status().pid!;
    // The process's stdout is the log file itself, not a pipe to this (supervisor) process.
    expect(readlinkSync(`/proc/${pid}/fd/1`)).toBe(p.spec.logFile);
    while (!p.status().lastLines.includes('second')) await new Promise((r) => setTimeout(r, 20));
    expect(p.status().lastLines.filter((l) => !l.startsWith('──'))).toEqual(['first', 'second']);
    await p.stop();
    expect(p.status().lastLines.at(-1)).toMatch(/^── \S+ \(pid \d+\) exited on SIGTERM at /);
  });

  it('kills the group when it ignores SIGTERM for stop_timeout', async () => {
    // The shell ignores SIGTERM and keeps starting sleeps: only the kill ends it, within the test's timeout.
    const p = new ManagedProcess(spec("trap '' TERM; echo ready; while true; do sleep 0.1; done", { stopTimeoutMs: 300 }));
    p.start();
    const pgid = p.status().pid!;
    // Its output goes to its log file: wait for the line there.
    while (!p.status().lastLines.includes('ready')) await new Promise((r) => setTimeout(r, 20));
    await p.stop();
    expect(p.status()).toMatchObject({ state: 'stopped', lastExit: { signal: 'SIGKILL' } });
    expect(group(pgid)).toEqual([]);
  });
});

describe('sinceLastStart', () => {
  const start = (n: number) => `── devenv started web (pid ${n}) at 2026-11-29T10:00:0${n}.000Z ──`;
  const exit = (n: number) => `── web (pid ${n}) exited with code 1 at 2026-11-29T10:00:0${n}.500Z ──`;
  it('keeps the last run: its early output written before its start line, not the run before', () => {
    expect(sinceLastStart(['old', start(1), 'one', exit(1), 'early', start(2), 'two'])).toEqual(['early', start(2), 'two']);
    expect(sinceLastStart([start(1), 'one', exit(1), start(2), 'two', exit(2)])).toEqual([start(2), 'two', exit(2)]);
  });

  it('a run that left no exit line (its supervisor was killed): from the next start line; a first run: everything', () => {
    expect(sinceLastStart([start(1), 'one', start(2), 'two'])).toEqual([start(2), 'two']);
    expect(sinceLastStart(['early', start(1), 'one'])).toEqual(['early', start(1), 'one']);
    expect(sinceLastStart(['no markers'])).toEqual(['no markers']);
  });
});

describe('lastRunsOutput', () => {
  const start = (n: number) => `── devenv started web (pid ${n}) at 2026-11-29T10:00:0${n}.000Z ──`;
  const exit = (n: number) => `── web (pid ${n}) exited with code 1 at 2026-11-29T10:00:0${n}.500Z ──`;
  it('a restart that has said nothing yet: the crashed run before it too, whose output says why', () => {
    expect(lastRunsOutput([start(1), 'Error: JWT_SECRET not found', exit(1), start(2)])).toEqual([start(1), 'Error: JWT_SECRET not found', exit(1), start(2)]);
    expect(lastRunsOutput(['old', start(1), 'crash', exit(1), start(2), 'listening'])).toEqual([start(2), 'listening']);
    expect(lastRunsOutput([start(1)])).toEqual([start(1)]);
  });
});
