/** Progress as plain timestamped lines, for CI and pipes. */
import { DevenvError } from '../../errors.js';
import type { EngineEvent, EventSink } from '../../engine/events.js';
import { describeStep } from '../../engine/plan.js';
import { withoutControl } from '../../util/ansi.js';

const stamp = () => new Date().toISOString().slice(11, 23);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function plainRenderer(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): EventSink {
  // Pull progress arrives many times a second; one line a second per step is enough in a log. A health
  // check's "waiting: …" comes every probe: a line when it says something new, else every 2 s.
  const lastProgress = new Map<number, number>();
  const lastWaiting = new Map<number, string>();
  return (event: EngineEvent) => {
    switch (event.type) {
      case 'step-start':
        write(`${stamp()} ▸ ${describeStep(event.step)} (${event.step.cause})`);
        break;
      case 'step-progress': {
        const now = Date.now();
        const since = now - (lastProgress.get(event.step.id) ?? 0);
        if (event.step.kind === 'image.pull' && since < 1000) break;
        if (event.message.startsWith('waiting: ')) {
          if (lastWaiting.get(event.step.id) === event.message && since < 2000) break;
          lastWaiting.set(event.step.id, event.message);
        }
        lastProgress.set(event.step.id, now);
        // A tool's output (a migration's spinner) reaches a log or a pipe without its terminal codes.
        write(`${stamp()}   ${describeStep(event.step)} | ${withoutControl(event.message)}`);
        break;
      }
      case 'step-done':
        write(`${stamp()} ✔ ${describeStep(event.step)} ${seconds(event.ms)}${event.detail ? ` (${event.detail})` : ''}`);
        break;
      case 'step-failed': {
        const message = event.error instanceof Error ? event.error.message : String(event.error);
        const interrupted = event.error instanceof DevenvError && event.error.code === 'INTERRUPTED';
        write(`${stamp()} ✖ ${describeStep(event.step)} ${seconds(event.ms)}${interrupted ? ' (cancelled)' : `: ${message}`}`);
        break;
      }
      case 'step-skipped':
        break;
      case 'teardown':
        write(`${stamp()} ↺ ${event.message}`);
        break;
    }
  };
}
