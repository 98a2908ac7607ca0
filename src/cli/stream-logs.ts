/** Streams containers' logs to stdout, each line prefixed with its service's name. */
import type { Runtime } from '../runtime/runtime.js';

const COLOURS = [36, 33, 32, 35, 34, 91, 92, 93];

interface Target {
  service: string;
  containerId: string;
}

/** Until they stop or signal aborts (with follow), else their logs so far. */
export async function streamLogs(runtime: Runtime, containers: Target[], options: { signal: AbortSignal; tail?: number; follow?: boolean }): Promise<void> {
  const follower = new LogFollower(runtime, options.signal, options.follow ?? true, Math.max(0, ...containers.map((c) => c.service.length)));
  follower.follow(containers, options.tail);
  await follower.done();
}

/** Follows a changing set of containers (watch mode replaces them): a container is followed once. */
export class LogFollower {
  private readonly streams = new Map<string, Promise<void>>();
  private readonly colours = new Map<string, number>();
  private readonly colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;

  constructor(
    private readonly runtime: Runtime,
    private readonly signal: AbortSignal,
    private readonly followNew = true,
    private width = 0,
  ) {}

  follow(containers: Target[], tail?: number): void {
    for (const { service, containerId } of containers) {
      if (this.streams.has(containerId)) continue;
      this.width = Math.max(this.width, service.length);
      if (!this.colours.has(service)) this.colours.set(service, COLOURS[this.colours.size % COLOURS.length]!);
      this.streams.set(containerId, this.stream(service, containerId, tail));
    }
  }

  /** Resolves when every followed container has stopped (or the signal aborted). */
  async done(): Promise<void> {
    for (;;) {
      const before = this.streams.size;
      await Promise.all(this.streams.values());
      if (this.streams.size === before) return;
    }
  }

  async close(): Promise<void> {
    await Promise.race([this.done(), new Promise((resolve) => setTimeout(resolve, 100))]);
  }

  private async stream(service: string, containerId: string, tail: number | undefined): Promise<void> {
    const prefix = () => {
      const name = service.padEnd(this.width);
      return this.colour ? `\u001b[${this.colours.get(service)}m${name} |\u001b[39m ` : `${name} | `;
    };
    try {
      for await (const { line } of this.runtime.logs(containerId, { follow: this.followNew, tail, signal: this.signal })) {
        process.stdout.write(`${prefix()}${line}\n`);
      }
    } catch (error) {
      if (!this.signal.aborted) throw error;
    }
    if (!this.signal.aborted && this.followNew) {
      const details = await this.runtime.inspectContainer(containerId).catch(() => undefined);
      if (details && details.state !== 'running') process.stdout.write(`${prefix()}exited with code ${details.exitCode}\n`);
    }
  }
}
