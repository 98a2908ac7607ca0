/**
 * One command at a time per project: `up`, `down`, `restart`, `stop`, `start` hold this lock while
 * they change the project's resources, and a second one waits for it, saying whose it is.
 *
 * The lock is a listening Unix socket named after the user and the project. On Linux it lives in the
 * abstract namespace, so the kernel releases it the moment its holder exits, kill -9 included: a
 * dead holder never blocks. Elsewhere it is a socket file in a private per-user folder; a file that
 * nothing answers on is a dead holder's and is removed. The holder answers each connection with who
 * it is (pid, command, since when), which is what a waiter prints.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevenvError } from '../errors.js';

export interface LockHolder {
  pid: number;
  /** The command holding it: "up", "down", … */
  command: string;
  /** Epoch ms when it took the lock. */
  since: number;
}

export interface ProjectLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** Aborting stops the wait (Ctrl-C) with INTERRUPTED. */
  signal?: AbortSignal;
  /** Called once when the lock is held by another command, with its holder (when it answered). */
  onWait?: (holder: LockHolder | undefined) => void;
  /** Where the socket lives; tests and platforms without abstract sockets use a folder. */
  address?: string;
  /** How often a waiter asks again; default 100 ms. */
  pollMs?: number;
}

/** The lock's address for a project: abstract on Linux, a socket file elsewhere. */
export function lockAddress(project: string): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : userInfo().username;
  if (process.platform === 'linux') return `\0devenv/${uid}/${project}.lock`;
  const dir = join(tmpdir(), `devenv-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A socket path has ~104 bytes on macOS: the name is hashed, whatever the project's length.
  return join(dir, `${createHash('sha256').update(project).digest('hex').slice(0, 16)}.lock`);
}

/** Takes the project's lock, waiting (polling every 100 ms) while another command holds it. */
export async function lockProject(project: string, command: string, options: LockOptions = {}): Promise<ProjectLock> {
  const address = options.address ?? lockAddress(project);
  const me: LockHolder = { pid: process.pid, command, since: Date.now() };
  let told = false;
  for (;;) {
    const server = await listen(address, me);
    if (server) {
      return {
        release: () => new Promise<void>((resolve) => {
          server.close(() => resolve());
        }),
      };
    }
    const holder = await ask(address);
    if (holder === 'nobody' || holder === 'gone') {
      // A socket file with nobody behind it: its holder died (abstract sockets never get here). One
      // that is gone was just released: only try again, never remove what another may have bound.
      if (holder === 'nobody' && !address.startsWith('\0')) rmSync(address, { force: true });
      await sleep(10);
      continue;
    }
    if (!told) {
      told = true;
      options.onWait?.(holder === 'unknown' ? undefined : holder);
    }
    if (options.signal?.aborted) throw new DevenvError('INTERRUPTED', `interrupted while waiting for another devenv command on project "${project}"`);
    await sleep(options.pollMs ?? 100, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    if (options.signal?.aborted) throw new DevenvError('INTERRUPTED', `interrupted while waiting for another devenv command on project "${project}"`);
  }
}

/** "waiting for the `up` started 3 s ago by pid 1234" */
export function describeHolder(holder: LockHolder | undefined, now = Date.now()): string {
  if (!holder) return 'waiting for another devenv command on this project to finish';
  const ago = Math.max(0, Math.round((now - holder.since) / 1000));
  return `waiting for the \`${holder.command}\` started ${ago} s ago by pid ${holder.pid} to finish`;
}

function listen(address: string, me: LockHolder): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end(`${JSON.stringify(me)}\n`);
    });
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined);
      else reject(new DevenvError('INTERNAL', `cannot take the project lock (${address.replace('\0', '@')}): ${error.message}`, { cause: error }));
    });
    // The lock must not keep a finished command alive.
    server.listen(address, () => {
      server.unref();
      resolve(server);
    });
  });
}

/** Who holds the lock; 'nobody' when nothing answers (a dead holder's socket file), 'gone' when the file is gone. */
function ask(address: string): Promise<LockHolder | 'nobody' | 'gone' | 'unknown'> {
  return new Promise((resolve) => {
    const socket = createConnection(address);
    let text = '';
    const timer = setTimeout(() => { socket.destroy(); resolve('unknown'); }, 1000);
    socket.on('data', (chunk) => { text += chunk.toString('utf8'); });
    socket.once('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text) as LockHolder);
      } catch {
        resolve('unknown');
      }
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ECONNREFUSED' ? 'nobody' : error.code === 'ENOENT' ? 'gone' : 'unknown');
    });
  });
}
