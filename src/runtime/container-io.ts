/**
 * A container's input and output: its logs, a command's collected output, and interactive
 * sessions (exec and run) wired to a terminal over a hijacked connection.
 */
import type { Duplex, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DevenvError } from '../errors.js';
import type { ApiExecInspect } from './engine-api.js';
import type { EngineClient } from './engine-client.js';
import { interrupted } from './engine-errors.js';
import { demuxFrames, demuxLines } from './log-stream.js';
import type { ExecRequest, ExecResult, LogLine, LogOptions, Runtime, TerminalIo } from './runtime.js';

type ToError = (error: unknown) => DevenvError;
const enc = encodeURIComponent;

/** With follow, ends when the engine closes the stream (the container stopped) or the signal aborts. */
export async function* containerLogs(
  client: EngineClient,
  id: string,
  options: LogOptions,
  toError: ToError,
): AsyncGenerator<LogLine> {
  const { follow, tail, signal } = options;
  if (signal?.aborted) return;
  // The engine takes seconds, with a fraction.
  const since = options.since === undefined ? undefined : (options.since / 1000).toFixed(3);
  let stream: Readable;
  try {
    stream = await client.stream('GET', `/containers/${enc(id)}/logs`, { query: { stdout: true, stderr: true, follow, tail, since }, signal });
  } catch (error) {
    if (signal?.aborted) return;
    throw toError(error);
  }
  try {
    yield* demuxLines(stream);
  } catch (error) {
    if (signal?.aborted) return; // the caller asked to stop: end quietly
    throw toError(error);
  } finally {
    stream.destroy();
  }
}

/**
 * Runs a command and collects stdout and stderr (interleaved, as lines joined by "\n").
 * Aborting stops reading; the engine has no API to kill the process, which runs on.
 */
export async function execInContainer(
  client: EngineClient,
  id: string,
  command: string[],
  signal: AbortSignal | undefined,
  what: string,
  toError: ToError,
): Promise<ExecResult> {
  if (signal?.aborted) throw interrupted(signal, what);
  try {
    const execId = await createExec(client, id, { command }, { stdin: false, tty: false }, signal);
    const stream = await client.hijack(`/exec/${enc(execId)}/start`, { body: { Detach: false, Tty: false }, ...(signal ? { signal } : {}) });
    const stop = () => stream.destroy();
    signal?.addEventListener('abort', stop, { once: true });
    if (signal?.aborted) stop(); // aborted while the exec was being set up
    // Seen under load: the engine sometimes leaves the attached stream open after the command has
    // exited. Watching the exec's state bounds the read: once it stops running, the rest of the
    // output gets a moment to arrive, then the stream is closed.
    const finished = new AbortController();
    let closedByWatcher = false;
    const watcher = (async () => {
      for (;;) {
        await sleep(250, undefined, { signal: finished.signal });
        const state = await inspectExec(client, execId).catch(() => undefined);
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
      // A stream closed by the watcher (or an abort) ends the read; anything else is a real failure.
      if (!closedByWatcher && !signal?.aborted) throw error;
    } finally {
      finished.abort();
      signal?.removeEventListener('abort', stop);
    }
    await watcher;
    if (signal?.aborted) throw interrupted(signal, what);
    return { exitCode: await exitCodeOf(client, execId), output: lines.join('\n') };
  } catch (error) {
    if (signal?.aborted) throw interrupted(signal, what);
    throw toError(error);
  }
}

/** A command in a running container, wired to the terminal: stdin in, output out, the size followed. */
export async function execInteractive(
  client: EngineClient,
  id: string,
  request: ExecRequest,
  io: TerminalIo,
  signal: AbortSignal | undefined,
  toError: ToError,
): Promise<number> {
  const what = `running ${JSON.stringify(request.command.join(' '))}`;
  if (signal?.aborted) throw interrupted(signal, what);
  let execId: string;
  let socket: Duplex;
  try {
    execId = await createExec(client, id, request, { stdin: io.stdin !== undefined, tty: io.tty, size: io.tty ? io.size?.() : undefined }, signal);
    socket = await client.hijack(`/exec/${enc(execId)}/start`, { body: { Detach: false, Tty: io.tty }, ...(signal ? { signal } : {}) });
  } catch (error) {
    throw toError(error);
  }
  const resize = () => {
    const size = io.size?.();
    if (size) void client.json('POST', `/exec/${enc(execId)}/resize`, { query: { h: size.rows, w: size.columns } }).catch(() => undefined);
  };
  await pipeSession(socket, io, signal, resize);
  if (signal?.aborted) throw interrupted(signal, what);
  try {
    return await exitCodeOf(client, execId);
  } catch (error) {
    throw toError(error);
  }
}

/**
 * Attaches to a created container, starts it and pipes it to the terminal until it exits.
 * The wait is registered before the start, so a container that exits at once is not missed.
 */
export async function runAttached(
  runtime: Runtime,
  client: EngineClient,
  id: string,
  io: TerminalIo,
  signal: AbortSignal | undefined,
  toError: ToError,
): Promise<number> {
  let socket: Duplex;
  try {
    socket = await client.hijack(`/containers/${enc(id)}/attach`, { query: { stream: true, stdin: io.stdin !== undefined, stdout: true, stderr: true } });
  } catch (error) {
    throw toError(error);
  }
  // Registered before the start, so a container that exits at once is not missed; abortable, so a
  // start that fails leaves no request open (it would keep devenv running).
  const waiting = new AbortController();
  const exited = client.json<{ StatusCode: number }>('POST', `/containers/${enc(id)}/wait`, { query: { condition: 'next-exit' }, signal: waiting.signal });
  exited.catch(() => undefined);
  const grace = new AbortController();
  // Ctrl-C (without a TTY, where the terminal would send it to the process) stops the container.
  const stop = () => void runtime.stopContainer(id).catch(() => undefined);
  try {
    await runtime.startContainer(id);
    const resize = () => {
      const size = io.size?.();
      if (size) void client.json('POST', `/containers/${enc(id)}/resize`, { query: { h: size.rows, w: size.columns } }).catch(() => undefined);
    };
    signal?.addEventListener('abort', stop, { once: true });
    if (signal?.aborted) stop(); // aborted while attaching or starting
    const piped = pipeSession(socket, io, undefined, resize);
    const { StatusCode } = await exited;
    // What the container wrote last may still be on its way.
    await Promise.race([piped, sleep(1000, undefined, { signal: grace.signal }).catch(() => undefined)]);
    return StatusCode;
  } catch (error) {
    throw toError(error);
  } finally {
    signal?.removeEventListener('abort', stop);
    grace.abort();
    waiting.abort();
    socket.destroy();
  }
}

async function createExec(
  client: EngineClient,
  id: string,
  request: ExecRequest,
  attach: { stdin: boolean; tty: boolean; size?: { rows: number; columns: number } | undefined },
  signal?: AbortSignal,
): Promise<string> {
  const { Id } = await client.json<{ Id: string }>('POST', `/containers/${enc(id)}/exec`, {
    ...(signal ? { signal } : {}),
    body: {
      Cmd: request.command,
      AttachStdin: attach.stdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: attach.tty,
      // Engines from API 1.42 size the TTY from the start; older ones take the resize that follows.
      ...(attach.size ? { ConsoleSize: [attach.size.rows, attach.size.columns] } : {}),
      ...(request.env ? { Env: Object.entries(request.env).map(([k, v]) => `${k}=${v}`) } : {}),
      ...(request.user ? { User: request.user } : {}),
      ...(request.workdir ? { WorkingDir: request.workdir } : {}),
    },
  });
  return Id;
}

function inspectExec(client: EngineClient, execId: string): Promise<ApiExecInspect> {
  return client.json<ApiExecInspect>('GET', `/exec/${enc(execId)}/json`);
}

/** The stream can close a moment before the engine records the exit code. */
async function exitCodeOf(client: EngineClient, execId: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const state = await inspectExec(client, execId);
    if (!state.Running || attempt >= 50) return state.ExitCode ?? -1;
    await sleep(20);
  }
}

/**
 * Pipes a hijacked session until the engine closes it: output to stdout/stderr (raw with a TTY,
 * demultiplexed without), stdin to the process (its end closes the process's stdin), the size kept.
 */
async function pipeSession(socket: Duplex, io: TerminalIo, signal: AbortSignal | undefined, resize: () => void): Promise<void> {
  const stop = () => socket.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) stop();
  let unwatch: (() => void) | undefined;
  if (io.tty) {
    resize();
    unwatch = io.onResize?.(resize);
  }
  const stdin = io.stdin;
  const onEnd = () => socket.end();
  if (stdin) {
    stdin.pipe(socket, { end: false });
    stdin.once('end', onEnd);
  }
  try {
    if (io.tty) {
      for await (const chunk of socket) io.stdout.write(chunk as Buffer);
    } else {
      for await (const frame of demuxFrames(socket)) (frame.stream === 'stderr' ? io.stderr : io.stdout).write(frame.data);
    }
  } catch {
    // A session destroyed by an abort, or a connection reset once the process ended: both are the end.
  } finally {
    signal?.removeEventListener('abort', stop);
    unwatch?.();
    if (stdin) {
      stdin.unpipe(socket);
      stdin.off('end', onEnd);
    }
  }
}
