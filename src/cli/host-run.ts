/**
 * A command on the host with the project's environment (`devenv run -- CMD`, `devenv run web CMD` for
 * a host process service): the terminal is the command's, its exit code (or 128 + its signal) is
 * devenv's, and Ctrl-C reaches it as it would in a shell.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { DevenvError } from '../errors.js';

export async function runOnHost(command: string[], cwd: string, env: Record<string, string>): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw new DevenvError('USAGE', 'name the command to run: `devenv run -- CMD…`');
  const child = spawn(file, args, { cwd, env: { ...process.env, ...env }, stdio: 'inherit' });
  // The terminal sends Ctrl-C to the command too; devenv waits for it instead of leaving it behind.
  const forward = (signal: NodeJS.Signals) => () => { child.kill(signal); };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => reject(new DevenvError('USAGE', `cannot run ${JSON.stringify(file)}: ${error.code === 'ENOENT' ? 'not found on PATH' : error.message}`)));
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
    });
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}
