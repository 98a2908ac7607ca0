import { describe, expect, it } from 'vitest';
import { decodeStatusResponse } from '../../../src/runtime/buildkit-trace.js';
import { ProtobufDecodeError, readFields } from '../../../src/runtime/protobuf-wire.js';
import { encode, log, vertex, type Field } from './protobuf-encode.js';

// Captured from a Docker 20.10 engine building `RUN exit 3` and `RUN … echo done`.
const FAILED_VERTEX =
  'CoICCkdzaGEyNTY6YTY5ZWY1ODA0ZjU4YmE5ZGMyNDhmYjc1YmJiM2Y2YmE0YzM1NDZkN2YxM2Y3YmViMTllNjRiOTI1NmIwYzg3YhJHc2hhMjU2Ojg2Nzg0MmM2YWQ4MDZlYjY0MTVjZThjMThlMzM1NDNmMmQwMjg2MzJhNTkxNDkzNDNlYjAzMWI3ZjZhMTU4ZTAaGFtzdGFnZS0wIDQvNF0gUlVOIGV4aXQgMyoLCJmyqtgGEPS19XUyDAiZsqrYBhCUxtWaAjo5ZXhlY3V0b3IgZmFpbGVkIHJ1bm5pbmcgWy9iaW4vc2ggLWMgZXhpdCAzXTogZXhpdCBjb2RlOiAz';
const LOG = 'Gl8KR3NoYTI1NjpkOGY5NTIxYmM4MzlhNDk0ZDllMzY3YTY0ZmM3MTkzZDBlZjBlNzBmNmJkZWY3OWU3M2NjZmNlNGU0NGEyMTYwEgsImbKq2AYQ2uLYbBgBIgVkb25lCg==';

describe('decodeStatusResponse', () => {
  it('reads a failed vertex captured from a real engine', () => {
    const { vertexes, logs, statuses } = decodeStatusResponse(FAILED_VERTEX);
    expect(logs).toEqual([]);
    expect(statuses).toEqual([]);
    expect(vertexes).toHaveLength(1);
    const [failed] = vertexes;
    expect(failed).toMatchObject({
      digest: 'sha256:a69ef5804f58ba9dc248fb75bbb3f6ba4c3546d7f13f7beb19e64b9256b0c87b',
      name: '[stage-0 4/4] RUN exit 3',
      cached: false,
      error: 'executor failed running [/bin/sh -c exit 3]: exit code: 3',
    });
    expect(failed!.completed! - failed!.started!).toBe(345);
  });

  it('reads a log line captured from a real engine', () => {
    const { logs } = decodeStatusResponse(LOG);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.vertex).toBe('sha256:d8f9521bc839a494d9e367a64fc7193d0ef0e70f6bdef79e73ccfce4e44a2160');
    expect(logs[0]!.stream).toBe(1);
    expect(Buffer.from(logs[0]!.msg).toString()).toBe('done\n');
  });

  it('decodes vertexes, statuses and logs of one message, skipping unknown fields', () => {
    const status: Field = [2, [[1, 'layer-1'], [2, 'sha256:b'], [3, 'transferring context'], [4, 300], [5, 1200], [9, 'future']]];
    const bytes = encode([
      vertex({ digest: 'sha256:a', name: '[2/5] RUN npm ci', started: 1_000_500, cached: true }),
      status,
      log('sha256:a', 'added 3 packages\n', 2),
      [4, [[1, 'sha256:a'], [3, 'a warning']]], // warnings: not read
      [99, 12345], // a field from a future BuildKit
    ]);
    expect(decodeStatusResponse(bytes)).toEqual({
      vertexes: [{ digest: 'sha256:a', name: '[2/5] RUN npm ci', cached: true, started: 1_000_500, error: '' }],
      statuses: [{ id: 'layer-1', vertex: 'sha256:b', name: 'transferring context', current: 300, total: 1200 }],
      logs: [{ vertex: 'sha256:a', stream: 2, msg: expect.anything() }],
    });
  });

  it('decodes an empty message and large varints', () => {
    expect(decodeStatusResponse('')).toEqual({ vertexes: [], statuses: [], logs: [] });
    const big = decodeStatusResponse(encode([[2, [[4, 2 ** 40], [5, 2 ** 41]]]]));
    expect(big.statuses[0]).toMatchObject({ current: 2 ** 40, total: 2 ** 41 });
  });

  it('rejects truncated input', () => {
    const bytes = encode([vertex({ digest: 'sha256:a', name: 'x' })]);
    expect(() => decodeStatusResponse(bytes.subarray(0, bytes.length - 3))).toThrow(ProtobufDecodeError);
    expect(() => [...readFields(Uint8Array.from([0x08, 0x80]))]).toThrow('truncated varint');
    expect(() => [...readFields(Uint8Array.from([0x0b]))]).toThrow('unsupported wire type 3');
  });

  it('skips fixed-width fields', () => {
    const fields = [...readFields(Uint8Array.from([0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 1, 2, 3, 4, 0x18, 0x05]))];
    expect(fields.map((f) => [f.field, f.type])).toEqual([[1, 'fixed64'], [2, 'fixed32'], [3, 'varint']]);
  });
});
