/** Runs the built CLI as a user would: `node bin/devenv.js …`, capturing exit code, stdout and stderr. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './paths.js';

export { repoRoot };
export const bin = fileURLToPath(new URL('../../bin/devenv.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  // CI=true: plain progress lines, whatever the terminal.
  return { ...process.env, CI: 'true', NO_COLOR: '1', ...extra };
}

export function devenv(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? repoRoot, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** An attached `devenv up`, with helpers to wait for output and to signal it. */
export interface Attached {
  child: ChildProcess;
  output(): string;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<CliResult>;
}

export function devenvAttached(args: string[], options: RunOptions = {}): Attached {
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? repoRoot, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  const onData = () => waiters.forEach((w) => w());
  child.stdout!.on('data', (d) => { stdout += d; onData(); });
  child.stderr!.on('data', (d) => { stderr += d; onData(); });
  const exited = new Promise<CliResult>((resolve) => child.on('close', (code) => { onData(); resolve({ code, stdout, stderr }); }));
  return {
    child,
    output: () => stdout + stderr,
    exited,
    // Below the tests' 120 s, so a wait that never ends fails with the output, not a bare timeout.
    waitFor: (text, timeoutMs = 90_000) => new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        const all = stdout + stderr;
        if (typeof text === 'string' ? all.includes(text) : text.test(all)) {
          clearTimeout(timer);
          resolve();
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`devenv exited (${child.exitCode}) before printing ${text}:\n${all}`));
        }
      };
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${text}:\n${stdout}${stderr}`)), timeoutMs);
      waiters.push(check);
      check();
    }),
  };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** GET or POST on 127.0.0.1, returning status and body text. */
export async function http(url: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.text() };
}
