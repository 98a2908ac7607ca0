import { DevenvError } from '../../errors.js';
import { LABELS } from '../../engine/labels.js';
import { groupByService, observeProject } from '../../engine/observe.js';
import { connect, projectNameFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';
import { listenForInterrupts } from '../signals.js';
import { streamLogs } from '../stream-logs.js';

interface LogsFlags extends GlobalOptions {
  follow?: boolean;
  tail?: string | number;
}

/** The logs of the named services' containers (all when none is named), from labels alone. */
export async function logsCommand(services: string[], flags: LogsFlags): Promise<CommandResult> {
  const project = await projectNameFor(flags);
  const tail = flags.tail === undefined ? undefined : Number(flags.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new DevenvError('USAGE', `--tail expects a whole number, got "${flags.tail}"`);
  const { runtime } = await connect();
  const groups = groupByService((await observeProject(runtime, project)).containers);
  const unknown = services.filter((s) => !groups.has(s));
  if (unknown.length > 0 || groups.size === 0) {
    const what = unknown.length > 0 ? `no container for service ${unknown.map((s) => `"${s}"`).join(', ')}` : 'no containers';
    throw new DevenvError('USAGE', `${what} in project "${project}"`, { hint: 'Run `devenv up` first, or `devenv ps` to see what runs.' });
  }
  const chosen = [...groups].filter(([service]) => services.length === 0 || services.includes(service)).map(([service, [c]]) => ({ service, containerId: c!.id, oneshot: c!.labels[LABELS.oneshot] === 'true' }));
  const interrupts = listenForInterrupts();
  try {
    await streamLogs(runtime, chosen, { signal: interrupts.signal, follow: Boolean(flags.follow), tail });
    return 0;
  } finally {
    interrupts.dispose();
  }
}
