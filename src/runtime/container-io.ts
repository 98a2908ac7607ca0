/**
 * Reading a container's output: its logs, and the output of a command run in it.
 * Both are demultiplexed (containers run without a TTY) and split into lines.
 */
import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DevenvError } from '../errors.js';
import { interrupted } from './engine-errors.js';
import { demuxLines } from './log-stream.js';
import type { ExecResult, LogLine } from './runtime.js';

type ToError = (error: unknown) => DevenvError;

/** With follow, ends when the engine closes the stream (the container stopped) or the signal aborts. */
export async function* containerLogs(
  container: Docker.Container,
  options: { follow: boolean; tail?: number; signal?: AbortSignal },
  toError: ToError,
): AsyncGenerator<LogLine> {
  const { follow, tail, signal } = options;
  if (signal?.aborted) return;
  const common = { stdout: true, stderr: true, ...(tail === undefined ? {} : { tail }), abortSignal: signal };
  let stream: Readable;
  try {
    stream = follow
      ? ((await container.logs({ ...common, follow: true })) as unknown as Readable)
      : Readable.from([await container.logs({ ...common, follow: false })]);
  } catch (error) {
    if (signal?.aborted) return;
    throw toError(error);
  }
  const stop = () => stream.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    yield* demuxLines(stream);
  } catch (error) {
    if (signal?.aborted) return; // the caller asked to stop: end quietly
    throw toError(error);
  } finally {
    signal?.removeEventListener('abort', stop);
    stream.destroy();
  }
}

/**
 * Runs a command and collects stdout and stderr (interleaved, as lines joined by "\n").
 * Aborting stops reading; the engine has no API to kill the process, which runs on.
 */
export async function execInContainer(
  container: Docker.Container,
  command: string[],
  signal: AbortSignal | undefined,
  what: string,
  toError: ToError,
): Promise<ExecResult> {
  if (signal?.aborted) throw interrupted(signal, what);
  try {
    const exec = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = await exec.start({ hijack: true, stdin: false });
    const stop = () => stream.destroy();
    signal?.addEventListener('abort', stop, { once: true });
    // Seen under load: the engine sometimes leaves the attached stream open after the command has
    // exited. Watching the exec's state bounds the read: once it stops running, the rest of the
    // output gets a moment to arrive, then the stream is closed.
    const finished = new AbortController();
    let closedByWatcher = false;
    const watcher = (async () => {
      for (;;) {
        await sleep(250, undefined, { signal: finished.signal });
        const state = await exec.inspect().catch(() => undefined);
        if (state && !state.Running) {
          await sleep(500, undefined, { signal: finished.signal });
          closedByWatcher = true;
          stream.destroy();
          return;
        }
      }
    })().catch(() => undefined);
    const lines: string[] = [];
    try {
      for await (const line of demuxLines(stream)) lines.push(line.line);
    } catch (error) {
      // A stream closed by the watcher ends the read; anything else is a real failure.
      if (!closedByWatcher) throw error;
    } finally {
      finished.abort();
      signal?.removeEventListener('abort', stop);
    }
    await watcher;
    if (signal?.aborted) throw interrupted(signal, what);
    // The stream can close a moment before the engine records the exit code.
    for (let attempt = 0; ; attempt++) {
      const state = await exec.inspect();
      if (!state.Running || attempt >= 50) return { exitCode: state.ExitCode ?? -1, output: lines.join('\n') };
      await sleep(20);
    }
  } catch (error) {
    if (signal?.aborted) throw interrupted(signal, what);
    throw toError(error);
  }
}
