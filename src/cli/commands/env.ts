import { hostEnvironment, runningDatabasePorts } from '../../engine/host-env.js';
import { observeProject } from '../../engine/observe-project.js';
import { settleSecrets } from '../../engine/secrets-settle.js';
import { connect, loadFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';

/**
 * The connection values a tool on the host needs: every env value of a service that refers to a
 * database, resolved for the host (127.0.0.1 and the published port), and PG* for a single database.
 */
export async function envCommand(flags: GlobalOptions & { export?: boolean }): Promise<CommandResult> {
  const project = await loadFor(flags, true);
  const { runtime } = await connect();
  await settleSecrets(runtime, project);
  const { containers } = await observeProject(runtime, project.name);
  const values = hostEnvironment(project, runningDatabasePorts(project, containers));
  if (flags.json) process.stdout.write(`${JSON.stringify(values, null, 2)}\n`);
  else if (flags.export) for (const [k, v] of Object.entries(values)) process.stdout.write(`export ${k}=${shellQuote(v)}\n`);
  else for (const [k, v] of Object.entries(values)) process.stdout.write(`${k}=${v}\n`);
  return 0;
}

/** Single quotes keep every character literal in sh; a quote inside becomes '\''. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
