/** Streams containers' logs to stdout, each line prefixed with its service's name, until they stop or signal aborts. */
import type { Runtime } from '../runtime/runtime.js';

const COLOURS = [36, 33, 32, 35, 34, 91, 92, 93];

export async function streamLogs(
  runtime: Runtime,
  containers: { service: string; containerId: string }[],
  options: { signal: AbortSignal; tail?: number; follow?: boolean },
): Promise<void> {
  const width = Math.max(0, ...containers.map((c) => c.service.length));
  const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  await Promise.all(containers.map(async ({ service, containerId }, i) => {
    const name = service.padEnd(width);
    const prefix = colour ? `\u001b[${COLOURS[i % COLOURS.length]}m${name} |\u001b[39m ` : `${name} | `;
    try {
      for await (const { line } of runtime.logs(containerId, { follow: options.follow ?? true, tail: options.tail, signal: options.signal })) {
        process.stdout.write(`${prefix}${line}\n`);
      }
    } catch (error) {
      if (!options.signal.aborted) throw error;
    }
    if (!options.signal.aborted && (options.follow ?? true)) {
      const details = await runtime.inspectContainer(containerId).catch(() => undefined);
      if (details && details.state !== 'running') process.stdout.write(`${prefix}exited with code ${details.exitCode}\n`);
    }
  }));
}
