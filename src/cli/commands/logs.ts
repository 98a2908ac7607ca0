import { DevenvError } from '../../errors.js';
import { LABELS } from '../../runtime/runtime.js';
import { projectLabels } from '../../engine/names.js';
import { connect, projectNameFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../main.js';
import { listenForInterrupts } from '../signals.js';
import { streamLogs } from '../stream-logs.js';

interface LogsFlags extends GlobalOptions {
  follow?: boolean;
  tail?: string | number;
}

export async function logsCommand(service: string | undefined, flags: LogsFlags): Promise<CommandResult> {
  const project = await projectNameFor(flags);
  const { runtime } = await connect();
  const labels = { ...projectLabels(project), [LABELS.role]: 'service', ...(service ? { [LABELS.service]: service } : {}) };
  const containers = await runtime.listContainers(labels);
  if (containers.length === 0) {
    throw new DevenvError('USAGE', service ? `no container for service "${service}" in project "${project}"` : `no containers for project "${project}"`, {
      hint: 'Run `devenv up` first, or `devenv ps` to see what runs.',
    });
  }
  const tail = flags.tail === undefined ? undefined : Number(flags.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new DevenvError('USAGE', `--tail expects a whole number, got "${flags.tail}"`);
  const interrupts = listenForInterrupts();
  try {
    await streamLogs(runtime, containers.map((c) => ({ service: c.labels[LABELS.service] ?? c.name, containerId: c.id })), {
      signal: interrupts.signal,
      follow: Boolean(flags.follow),
      tail,
    });
    return 0;
  } finally {
    interrupts.dispose();
  }
}
