import { describe, expect, it } from 'vitest';
import { demuxLines } from '../../../src/runtime/log-stream.js';
import type { LogLine } from '../../../src/runtime/runtime.js';

function frame(stream: 1 | 2, text: string | Buffer): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

async function lines(chunks: (Buffer | string)[]): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const line of demuxLines((async function* () { yield* chunks; })())) out.push(line);
  return out;
}

describe('demuxLines', () => {
  it('splits frames into lines of each stream', async () => {
    const data = Buffer.concat([frame(1, 'one\ntw'), frame(2, 'err\r\n'), frame(1, 'o\n'), frame(1, 'last')]);
    expect(await lines([data])).toEqual([
      { stream: 'stdout', line: 'one' },
      { stream: 'stderr', line: 'err' },
      { stream: 'stdout', line: 'two' },
      { stream: 'stdout', line: 'last' },
    ]);
  });

  it('copes with headers and bodies split across chunks, and with split UTF-8', async () => {
    const data = Buffer.concat([frame(1, 'héllo\n'), frame(2, 'wörld\n')]);
    const chunks = [...data].map((byte) => Buffer.from([byte]));
    expect(await lines(chunks)).toEqual([
      { stream: 'stdout', line: 'héllo' },
      { stream: 'stderr', line: 'wörld' },
    ]);
  });

  it('reads a stream without frame headers (TTY) as stdout', async () => {
    expect(await lines(['plain output\nmore\n'])).toEqual([
      { stream: 'stdout', line: 'plain output' },
      { stream: 'stdout', line: 'more' },
    ]);
    expect(await lines(['hi\n'])).toEqual([{ stream: 'stdout', line: 'hi' }]);
  });

  it('keeps empty lines', async () => {
    expect((await lines([frame(1, 'a\n\nb\n')])).map((l) => l.line)).toEqual(['a', '', 'b']);
  });
});
