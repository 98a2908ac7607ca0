import { removedCount } from '../../engine/plan-down.js';
import { teardown } from '../../engine/teardown.js';
import { guessedName, hostProcessesFor, projectTarget, runtimeOnly, withProjectLock } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';
import { plainRenderer } from '../render/plain.js';
import { listenForInterrupts } from '../signals.js';

interface DownFlags extends GlobalOptions {
  volumes?: boolean;
  images?: boolean;
}

export async function downCommand(flags: DownFlags): Promise<CommandResult> {
  const target = await projectTarget(flags);
  const project = target.name;
  const runtime = await runtimeOnly();
  const host = await hostProcessesFor(runtime, target);
  const interrupts = listenForInterrupts();
  try {
    // `down` is already the graceful path: a Ctrl-C during it means kill what is still stopping.
    const plan = await withProjectLock(project, 'down', interrupts.signal, () => teardown(runtime, project, { volumes: flags.volumes, images: flags.images }, { force: interrupts.signal, onEvent: plainRenderer(), ...(host ? { host } : {}) }));
    const removed = removedCount(plan);
    if (removed === 0) process.stdout.write(`Nothing to remove for project "${project}"${guessedName(target)}.\n`);
    else process.stdout.write(`Removed ${removed} resource(s) of project "${project}"${flags.volumes ? '' : '; data volumes kept (--volumes deletes them)'}.\n`);
    return 0;
  } finally {
    interrupts.dispose();
  }
}
