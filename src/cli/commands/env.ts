import type { PostgresService } from '../../config/project.js';
import { connectionValues, resolveEnv } from '../../config/references.js';
import { DevenvError } from '../../errors.js';
import { containerName } from '../../engine/names.js';
import { observeProject } from '../../engine/observe.js';
import { connect, loadFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';

/**
 * The connection values a tool on the host needs: every env value of a service that refers to a
 * database, resolved for the host (127.0.0.1 and the published port), and PG* for a single database.
 */
export async function envCommand(flags: GlobalOptions & { export?: boolean }): Promise<CommandResult> {
  const project = await loadFor(flags, true);
  const { runtime } = await connect();
  const { containers } = await observeProject(runtime, project.name);
  const hostPorts: Record<string, number> = {};
  const databases = project.services.filter((s): s is PostgresService => s.kind === 'postgres');
  for (const db of databases) {
    const c = containers.find((x) => x.name === containerName(project.name, db.name) && x.state === 'running');
    const port = c?.ports.find((p) => p.containerPort === 5432 && p.hostPort > 0)?.hostPort;
    if (!port) {
      throw new DevenvError('USAGE', `${db.name} is not running, so it has no host port yet`, { hint: 'Run `devenv up -d` first.' });
    }
    hostPorts[db.name] = port;
  }
  const values: Record<string, string> = {};
  for (const s of project.services) {
    if (s.kind !== 'container') continue;
    const withRefs = Object.entries(s.env).filter(([, t]) => t.some((part) => typeof part !== 'string'));
    if (withRefs.length === 0) continue;
    const resolved = resolveEnv(project, s, 'host', hostPorts);
    for (const [key] of withRefs) values[key] ??= resolved[key]!;
  }
  const [only] = databases;
  if (only && databases.length === 1) {
    const v = connectionValues(only, 'host', hostPorts[only.name]);
    values.DATABASE_URL ??= v.url;
    Object.assign(values, { PGHOST: v.host, PGPORT: v.port, PGUSER: v.user, PGPASSWORD: v.password, PGDATABASE: v.database });
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(values, null, 2)}\n`);
  else if (flags.export) for (const [k, v] of Object.entries(values)) process.stdout.write(`export ${k}=${shellQuote(v)}\n`);
  else for (const [k, v] of Object.entries(values)) process.stdout.write(`${k}=${v}\n`);
  return 0;
}

/** Single quotes keep every character literal in sh; a quote inside becomes '\''. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
