import type { Runtime } from '../runtime/runtime.js';

/** The last lines a container wrote, for error details. Never throws: a missing log is not worth a second error. */
export async function lastLogLines(runtime: Runtime, containerId: string, count: number): Promise<string[]> {
  const lines: string[] = [];
  try {
    for await (const { line } of runtime.logs(containerId, { follow: false, tail: count })) lines.push(line);
  } catch {
    // The container may already be gone.
  }
  return lines.slice(-count);
}
