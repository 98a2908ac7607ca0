import { observeProject } from '../../engine/observe.js';
import { LABELS } from '../../runtime/runtime.js';
import { connect, projectNameFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../main.js';

export async function psCommand(flags: GlobalOptions): Promise<CommandResult> {
  const project = await projectNameFor(flags);
  const { runtime } = await connect();
  const { containers } = await observeProject(runtime, project);
  const rows = containers
    .map((c) => ({
      name: c.name,
      service: c.labels[LABELS.service] ?? '',
      role: c.labels[LABELS.role] ?? '',
      state: c.state,
      status: c.status,
      ports: c.ports.filter((p) => p.hostPort > 0).map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`),
    }))
    .sort((a, b) => a.service.localeCompare(b.service));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ project, containers: rows }, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write(`No containers for project "${project}".\n`);
    return 0;
  }
  const table = [['SERVICE', 'NAME', 'STATE', 'STATUS', 'PORTS'], ...rows.map((r) => [r.service, r.name, r.state, r.status, r.ports.join(', ')])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  return 0;
}
