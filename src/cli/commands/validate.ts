import { relative } from 'node:path';
import { loadFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';

export async function validateCommand(flags: GlobalOptions): Promise<CommandResult> {
  const project = await loadFor(flags, false);
  const services = project.services.map((s) => `${s.name} (${s.kind === 'postgres' ? `postgres ${s.version}` : s.kind === 'process' ? 'host process' : s.build ? 'build' : s.image})`);
  const m = project.migrations.length;
  process.stdout.write(
    `${relative(process.cwd(), project.file) || project.file} is valid: project "${project.name}", ${services.length} service(s): ${services.join(', ')}; ${m} migration${m === 1 ? '' : 's'}\n`,
  );
  return 0;
}
