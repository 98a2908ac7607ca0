import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DevenvError } from '../../../src/errors.js';
import { describeHolder, lockAddress, lockProject, type LockHolder } from '../../../src/util/project-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'lock-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const unique = () => `locktest-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Another process that holds the lock at `address` until killed, answering as devenv's holder does;
 * resolves once it holds it.
 */
async function holderProcess(address: string) {
  const code = `const s = require('node:net').createServer((c) => c.end(JSON.stringify({ pid: process.pid, command: 'up', since: Date.now() }) + '\\n'));
    s.listen(${JSON.stringify(address)}, () => console.log('held'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('held')) resolve(); });
    child.once('exit', (c) => reject(new Error(`holder exited with ${c}`)));
  });
  return child;
}

describe('project lock', () => {
  it('a second command waits for the first, told who holds it, and gets it once released', async () => {
    const project = unique();
    const first = await lockProject(project, 'up');
    let told: LockHolder | undefined;
    let got = false;
    const second = lockProject(project, 'down', { onWait: (h) => { told = h; } }).then((l) => { got = true; return l; });
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toBe(false);
    expect(told).toMatchObject({ pid: process.pid, command: 'up' });
    expect(describeHolder(told, told!.since + 3000)).toBe(`waiting for the \`up\` started 3 s ago by pid ${process.pid} to finish`);
    await first.release();
    await (await second).release();
    expect(got).toBe(true);
  });

  it('projects do not share a lock', async () => {
    const a = await lockProject(unique(), 'up');
    const b = await lockProject(unique(), 'up');
    await Promise.all([a.release(), b.release()]);
  });

  it.each([
    ['the default address', undefined],
    ['a socket file', 'file'],
  ])('a holder killed with SIGKILL never blocks (%s)', async (_, kind) => {
    const project = unique();
    const address = kind === 'file' ? join(dir, `${project}.lock`) : lockAddress(project);
    const holder = await holderProcess(address);
    let told: LockHolder | undefined;
    const waiting = lockProject(project, 'up', { address, onWait: (h) => { told = h; } });
    await new Promise((r) => setTimeout(r, 300));
    expect(told?.pid).toBe(holder.pid);
    holder.kill('SIGKILL');
    const lock = await waiting;
    await lock.release();
  }, 30_000);

  it('Ctrl-C while waiting ends the wait with INTERRUPTED', async () => {
    const project = unique();
    const held = await lockProject(project, 'up');
    const abort = new AbortController();
    const waiting = lockProject(project, 'down', { signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    await expect(waiting).rejects.toSatisfy((e) => e instanceof DevenvError && e.code === 'INTERRUPTED');
    await held.release();
  });
});
