/**
 * A migration step run on the host (`process: npx prisma migrate deploy`): in its folder, with
 * devenv's environment plus its own (references resolved for the host), in its own process group
 * so an abort stops everything it started. Its output is reported line by line.
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import type { ProcessMigration } from '../config/project.js';
import { DevenvError } from '../errors.js';
import { failureExcerpt, OUTPUT_WHERE, SCAN_LINES } from './run-migration.js';


export async function runHostStep(step: ProcessMigration, env: Record<string, string>, signal: AbortSignal, onLine: (line: string) => void): Promise<void> {
  const [file, ...args] = step.command;
  const last: string[] = [];
  const child = spawn(file!, args, { cwd: step.cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = (sig: NodeJS.Signals) => { try { process.kill(-child.pid!, sig); } catch { /* gone */ } };
  let killer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    kill('SIGTERM');
    killer = setTimeout(() => kill('SIGKILL'), 5000);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  for (const stream of [child.stdout, child.stderr]) {
    const decoder = new StringDecoder('utf8');
    let partial = '';
    const emit = (line: string) => {
      last.push(line);
      if (last.length > SCAN_LINES) last.shift();
      onLine(line);
    };
    stream.on('data', (chunk: Buffer) => {
      const lines = (partial + decoder.write(chunk)).split('\n');
      partial = lines.pop() ?? '';
      lines.forEach((l) => emit(l.replace(/\r$/, '')));
    });
    stream.on('end', () => { if (partial) emit(partial); });
  }
  const [code, spawnError] = await new Promise<[number | null, Error | undefined]>((resolve) => {
    child.once('error', (error) => resolve([null, error]));
    child.once('close', (exit) => resolve([exit, undefined]));
  });
  signal.removeEventListener('abort', onAbort);
  clearTimeout(killer);
  kill('SIGKILL'); // whatever the step left running in its group
  if (signal.aborted) throw new DevenvError('INTERRUPTED', `migration "${step.name}" was interrupted`);
  if (spawnError) {
    throw new DevenvError('MIGRATION_FAILED', `migration "${step.name}": cannot run ${JSON.stringify(file)} in ${step.cwd}: ${spawnError.message}`, {
      hint: `Check \`process\` and \`cwd\` of migration "${step.name}" in devenv.yml (is the tool installed on this machine?).`,
    });
  }
  if (code !== 0) {
    throw new DevenvError('MIGRATION_FAILED', `migration "${step.name}" exited with code ${code} (run on this machine in ${step.cwd}); its last output:`, {
      details: failureExcerpt(last),
      hint: `Fix the migration, or step "${step.name}" under \`migrations\` in devenv.yml; ${OUTPUT_WHERE}`,
    });
  }
}
