/** A tiny protobuf encoder for building BuildKit messages in tests. */
type Value = string | Uint8Array | number | boolean | Field[];
export type Field = [field: number, value: Value];

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

export function encode(fields: Field[]): Uint8Array {
  const out: number[] = [];
  for (const [field, value] of fields) {
    if (typeof value === 'number' || typeof value === 'boolean') {
      out.push(...varint(BigInt(field << 3)), ...varint(BigInt(Number(value))));
    } else {
      const bytes = typeof value === 'string' ? Buffer.from(value) : value instanceof Uint8Array ? value : encode(value);
      out.push(...varint(BigInt((field << 3) | 2)), ...varint(BigInt(bytes.length)), ...bytes);
    }
  }
  return Uint8Array.from(out);
}

export const timestamp = (ms: number): Field[] => [[1, Math.floor(ms / 1000)], [2, (ms % 1000) * 1e6]];

export function vertex(v: { digest: string; name: string; cached?: boolean; started?: number; completed?: number; error?: string }): Field {
  const fields: Field[] = [[1, v.digest], [2, 'sha256:input'], [3, v.name]];
  if (v.cached) fields.push([4, true]);
  if (v.started !== undefined) fields.push([5, timestamp(v.started)]);
  if (v.completed !== undefined) fields.push([6, timestamp(v.completed)]);
  if (v.error) fields.push([7, v.error]);
  return [1, fields];
}

export function log(vertexDigest: string, msg: string, stream = 1): Field {
  return [3, [[1, vertexDigest], [2, timestamp(1)], [3, stream], [4, Buffer.from(msg)]]];
}

/** A "moby.buildkit.trace" message of the build stream. */
export function trace(...fields: Field[]): { id: string; aux: string } {
  return { id: 'moby.buildkit.trace', aux: Buffer.from(encode(fields)).toString('base64') };
}
