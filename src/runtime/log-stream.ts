/**
 * Container output. Without a TTY the engine multiplexes stdout and stderr in frames: an 8-byte
 * header [stream, 0, 0, 0, size (uint32 BE)] then `size` bytes. A stream that does not start with
 * such a header (a TTY container) is read as plain stdout.
 */
import { StringDecoder } from 'node:string_decoder';
import type { LogLine } from './runtime.js';

type StreamName = LogLine['stream'];

export interface Frame {
  stream: StreamName;
  data: Buffer;
}

/** The output as it comes, one frame of bytes at a time. */
export async function* demuxFrames(stream: AsyncIterable<Uint8Array | string>): AsyncGenerator<Frame> {
  let buffer = Buffer.alloc(0);
  let framed = false;
  let raw = false;
  for await (const chunk of stream) {
    const bytes = Buffer.from(chunk);
    if (raw) {
      yield { stream: 'stdout', data: bytes };
      continue;
    }
    buffer = buffer.length === 0 ? bytes : Buffer.concat([buffer, bytes]);
    while (buffer.length >= 8) {
      if (!framed && !isHeader(buffer)) {
        raw = true;
        yield { stream: 'stdout', data: buffer };
        buffer = Buffer.alloc(0);
        break;
      }
      framed = true;
      const size = buffer.readUInt32BE(4);
      if (buffer.length < 8 + size) break;
      yield { stream: buffer[0] === 2 ? 'stderr' : 'stdout', data: buffer.subarray(8, 8 + size) };
      buffer = buffer.subarray(8 + size);
    }
  }
  // Under 8 bytes and never a frame: the whole output of a TTY container.
  if (!framed && buffer.length > 0) yield { stream: 'stdout', data: buffer };
}

/** The output as lines of text, per stream. */
export async function* demuxLines(stream: AsyncIterable<Uint8Array | string>): AsyncGenerator<LogLine> {
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const partial: Record<StreamName, string> = { stdout: '', stderr: '' };
  for await (const frame of demuxFrames(stream)) {
    const lines = (partial[frame.stream] + decoders[frame.stream].write(frame.data)).split('\n');
    partial[frame.stream] = lines.pop() ?? '';
    for (const line of lines) yield { stream: frame.stream, line: line.replace(/\r$/, '') };
  }
  for (const name of ['stdout', 'stderr'] as const) {
    const rest = partial[name] + decoders[name].end();
    if (rest) yield { stream: name, line: rest.replace(/\r$/, '') };
  }
}

function isHeader(buffer: Buffer): boolean {
  return buffer[0]! <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
}
