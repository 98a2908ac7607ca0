/**
 * The work `db reset`, `db restore` and `db snapshot` leave for after they have answered: dropping the
 * copy a reset or restore replaced (Postgres checkpoints on every DROP DATABASE), under the project
 * lock, so the next devenv command on the project waits for it and says so instead of racing it;
 * then, without the lock, making the spare copies the next reset and restore rename into place (see
 * makeSpares). A detached process (`devenv __db-tidy`) does it. The connection comes on stdin: a
 * password never goes on a command line.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PgConnection } from '../postgres/connection.js';
import { appendPrivate } from '../util/devenv-dir.js';

interface Job {
  project: string;
  /** The folder of devenv.yml, for the log of a failure; none with `-p` alone. */
  dir?: string;
  conn: PgConnection;
  /** The snapshot to keep a spare copy of. */
  snapshot?: string;
  /** The command that left the work, for the message of a command that waits for it. */
  after: 'reset' | 'restore' | 'snapshot' | 'load --replace';
}

/** Starts the tidy-up; one that cannot start only leaves the next command slower. */
export function startDbTidy(job: Job): void {
  try {
    const child = spawn(process.execPath, [process.argv[1]!, '__db-tidy'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: process.env });
    child.on('error', () => undefined);
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(`${JSON.stringify(job)}\n`);
    child.unref();
  } catch {
    // Nothing to undo: the command's own work is done.
  }
}

export async function runDbTidy(): Promise<number> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const job = JSON.parse(input) as Job;
  const [{ lockProject }, { dropReplaced, makeSpares }] = await Promise.all([import('../util/project-lock.js'), import('../postgres/database-admin.js')]);
  try {
    // Taken once the command that started it has let go (it holds the lock until it exits). Asking
    // every 10 ms, it is ahead of a command started after that one (Node alone takes ~100 ms to start).
    const lock = await lockProject(job.project, `db ${job.after} tidy-up`, { pollMs: 10 });
    try {
      await dropReplaced(job.conn, job.snapshot);
    } finally {
      await lock.release();
    }
    // The copies are made without the lock: nobody waits for them (see makeSpares).
    await makeSpares(job.conn, job.snapshot);
    return 0;
  } catch (error) {
    if (job.dir) {
      try {
        appendPrivate(join(job.dir, '.devenv', 'devenv.log'), `${JSON.stringify({ time: Date.now(), msg: `db tidy-up failed: ${(error as Error).message}; the next reset or restore makes its copy itself` })}\n`);
      } catch {
        // Nowhere to say it.
      }
    }
    return 1;
  }
}
