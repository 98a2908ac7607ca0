/**
 * Reads the newline-delimited JSON the engine streams for pulls and builds.
 * Aborting the signal destroys the stream, so the loop rejects with an AbortError.
 */
import { addAbortSignal, type Readable } from 'node:stream';

export async function* jsonMessages<T>(stream: Readable, signal?: AbortSignal): AsyncGenerator<T> {
  if (signal) addAbortSignal(signal, stream);
  let buffered = '';
  for await (const chunk of stream) {
    buffered += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      const message = parse<T>(line);
      if (message !== undefined) yield message;
    }
  }
  const last = parse<T>(buffered.trim());
  if (last !== undefined) yield last;
}

function parse<T>(line: string): T | undefined {
  if (!line) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined; // not JSON (a proxy's banner, a truncated line): nothing to report
  }
}
