/**
 * Streams containers' logs, and host processes' log files, to stdout, each line prefixed with its
 * service's name. A followed container that the engine restarts (a restart policy, `devenv restart`)
 * is followed again; with `untilStopped`, a service that stops for good ends its stream.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runtime } from '../runtime/runtime.js';
import { sinceLastStart } from '../supervisor/protocol.js';
import { withoutControl } from '../util/ansi.js';

const COLOURS = [36, 33, 32, 35, 34, 91, 92, 93];
/** How often a stopped container (or a log file) is looked at again. */
const POLL_MS = 300;
// The die event of a run the policy restarted is looked up this far back from the next run's start.
const EXIT_LOOKBACK_MS = 5000;

interface Target {
  service: string;
  containerId: string;
}

/** A host process's log: its file, and (to follow) whether the process still runs. */
export interface FileTarget {
  service: string;
  file: string;
  alive?: () => Promise<boolean>;
  /** Begin at the process's last start (an attached up shows this run, not the one before). */
  fromLastStart?: boolean;
  /** Whether the supervisor still has the process (any state): gone for GONE_MS (`down`), its stream ends. */
  present?: () => Promise<boolean>;
}

export interface FollowOptions {
  /** Keep streaming new lines; else print what there is and end. */
  follow: boolean;
  /**
   * With follow: a container that stopped and is not restarting ends its stream (an attached `up`).
   * Without it, devenv waits for the service to run again, as `docker compose logs -f` does.
   */
  untilStopped?: boolean;
  /** The service's current container, for following it across a recreate (`logs -f`). */
  current?: (service: string) => Promise<string | undefined>;
  /**
   * Whether the service still has a container, in any state. A followed container removed with none
   * in its place for GONE_MS (`devenv down`) ends its stream: nothing will run there again.
   */
  present?: (service: string) => Promise<boolean>;
}

/** How long a service may have no container before its stream ends (a recreate leaves a gap). */
const GONE_MS = 2000;

/** Until they stop or signal aborts (with follow), else their logs so far. */
export async function streamLogs(runtime: Runtime, containers: Target[], options: { signal: AbortSignal; tail?: number; follow?: boolean }): Promise<void> {
  const follower = new LogFollower(runtime, options.signal, { follow: options.follow ?? true, untilStopped: true }, Math.max(0, ...containers.map((c) => c.service.length)));
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
    private readonly options: FollowOptions = { follow: true, untilStopped: true },
    private width = 0,
  ) {}

  /** since: epoch ms; only lines written from then on (older ones belong to an earlier run). */
  follow(containers: Target[], tail?: number, since?: number): void {
    for (const { service, containerId } of containers) {
      if (this.streams.has(containerId)) continue;
      this.register(service);
      this.streams.set(containerId, this.stream(service, containerId, tail, since));
    }
  }

  /** Follows a host process's log file: its last `tail` lines, then what it appends. */
  followFile({ service, file, alive, fromLastStart, present }: FileTarget, tail?: number): void {
    if (this.streams.has(file)) return;
    this.register(service);
    this.streams.set(file, this.streamFile(service, file, tail, alive, fromLastStart, present));
  }

  /** Resolves when every followed stream has ended (or the signal aborted). */
  async done(): Promise<void> {
    for (;;) {
      const before = this.streams.size;
      await Promise.all(this.streams.values());
      if (this.streams.size === before) return;
    }
  }

  async close(): Promise<void> {
    await Promise.race([this.done(), sleep(100)]);
  }

  private register(service: string): void {
    this.width = Math.max(this.width, service.length);
    if (!this.colours.has(service)) this.colours.set(service, COLOURS[this.colours.size % COLOURS.length]!);
  }

  private write(service: string, line: string): void {
    const name = service.padEnd(this.width);
    // On a terminal, the app's own colours; in a file or a pipe, its lines without terminal codes.
    const prefix = this.colour ? `\u001b[${this.colours.get(service)}m${name} |\u001b[39m ` : `${name} | `;
    process.stdout.write(`${prefix}${this.colour ? line : withoutControl(line)}\n`);
  }

  private async stream(service: string, first: string, tail: number | undefined, since: number | undefined): Promise<void> {
    let containerId = first;
    let from = since;
    let lines = tail;
    for (;;) {
      try {
        for await (const { line } of this.runtime.logs(containerId, { follow: this.options.follow, tail: lines, since: from, signal: this.signal })) {
          this.write(service, line);
        }
      } catch (error) {
        // One stream failing (its container removed, the engine restarting) must not end the others.
        if (!this.signal.aborted) this.write(service, `cannot read its logs: ${(error as Error).message}`);
        return;
      }
      if (this.signal.aborted || !this.options.follow) return;
      const ended = Date.now();
      const next = await this.whenRunningAgain(service, containerId);
      if (!next) return;
      // Only what the next run writes: what came before was shown already.
      containerId = next;
      from = ended;
      lines = undefined;
    }
  }

  /** The container to follow next once this one stopped; undefined when the stream should end. */
  private async whenRunningAgain(service: string, containerId: string): Promise<string | undefined> {
    let reported = false;
    const gone = this.goneFor(this.options.present && (() => this.options.present!(service)));
    while (!this.signal.aborted) {
      const details = await this.runtime.inspectContainer(containerId).catch(() => undefined);
      if (details?.state === 'running') {
        // Its stream ended because the process exited: running again means the engine restarted it,
        // and inspect now describes the new run; the engine's event log still has the exit code.
        if (!reported) {
          // The die event came just before this run started, by the engine's clock (which may not be ours).
          const window = { since: details.startedAt - EXIT_LOOKBACK_MS, until: details.startedAt };
          const code = details.startedAt > 0 ? await this.runtime.lastExitCode(containerId, window, AbortSignal.any([this.signal, AbortSignal.timeout(2000)])).catch(() => undefined) : undefined;
          this.write(service, `exited${code === undefined ? '' : ` with code ${code}`}; its restart policy restarted it (restart ${details.restartCount})`);
        }
        return containerId;
      }
      if (!reported && details) {
        this.write(service, details.state === 'restarting'
          ? `exited with code ${details.exitCode}; its restart policy restarts it (restart ${details.restartCount})`
          : `exited with code ${details.exitCode}`);
        reported = true;
      }
      if (this.options.untilStopped && details?.state !== 'restarting') return undefined;
      // `logs -f` waits for the service to run again, in this container or a new one.
      const current = await this.options.current?.(service);
      if (current && current !== containerId) return current;
      if (!details && (await gone())) {
        this.write(service, 'removed');
        return undefined;
      }
      await sleep(POLL_MS, undefined, { signal: this.signal }).catch(() => undefined);
    }
    return undefined;
  }

  /** A check that holds once `present` has said no for GONE_MS in a row; never without `present`. */
  private goneFor(present: (() => Promise<boolean>) | undefined): () => Promise<boolean> {
    let since: number | undefined;
    return async () => {
      if (!present || (await present().catch(() => true))) {
        since = undefined;
        return false;
      }
      since ??= Date.now();
      return Date.now() - since >= GONE_MS;
    };
  }

  private async streamFile(service: string, file: string, tail: number | undefined, alive?: () => Promise<boolean>, fromLastStart = false, present?: () => Promise<boolean>): Promise<void> {
    let size = sizeOf(file);
    const all = readRange(file, 0, size).split('\n').slice(0, -1);
    const lines = fromLastStart ? sinceLastStart(all) : all;
    for (const line of tail === undefined ? lines : tail === 0 ? [] : lines.slice(-tail)) this.write(service, line);
    if (!this.options.follow) return;
    let partial = '';
    let checks = 0;
    const gone = this.goneFor(present);
    while (!this.signal.aborted) {
      await sleep(POLL_MS / 2, undefined, { signal: this.signal }).catch(() => undefined);
      const now = sizeOf(file);
      if (now < size) size = 0; // rotated
      if (now > size) {
        const parts = (partial + readRange(file, size, now)).split('\n');
        size = now;
        partial = parts.pop() ?? '';
        for (const line of parts) this.write(service, line);
      } else if (++checks % 5 === 0) {
        if (this.options.untilStopped && alive && !(await alive())) {
          this.write(service, 'stopped');
          return;
        }
        if (await gone()) {
          this.write(service, 'removed');
          return;
        }
      }
    }
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // no output yet, or removed until it comes back
  }
}

function readRange(file: string, from: number, to: number): string {
  if (to <= from) return '';
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buffer = Buffer.alloc(to - from);
    readSync(fd, buffer, 0, buffer.length, from);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
