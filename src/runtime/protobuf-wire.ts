/**
 * A minimal protobuf wire-format reader: enough to walk the fields of a message.
 * Unknown fields are skipped by wire type, so newer BuildKit messages still decode.
 */

export type WireField =
  | { field: number; type: 'varint'; value: bigint }
  | { field: number; type: 'bytes'; value: Uint8Array }
  | { field: number; type: 'fixed64' | 'fixed32'; value: Uint8Array };

export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
}

/** Iterates the top-level fields of one encoded message. Throws ProtobufDecodeError on truncated input. */
export function* readFields(buffer: Uint8Array): Generator<WireField> {
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= buffer.length) throw new ProtobufDecodeError('truncated varint');
      const byte = buffer[offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new ProtobufDecodeError('varint too long');
    }
  };
  const take = (length: number): Uint8Array => {
    if (offset + length > buffer.length) throw new ProtobufDecodeError('truncated field');
    const slice = buffer.subarray(offset, offset + length);
    offset += length;
    return slice;
  };
  while (offset < buffer.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    switch (wireType) {
      case 0:
        yield { field, type: 'varint', value: varint() };
        break;
      case 1:
        yield { field, type: 'fixed64', value: take(8) };
        break;
      case 2:
        yield { field, type: 'bytes', value: take(Number(varint())) };
        break;
      case 5:
        yield { field, type: 'fixed32', value: take(4) };
        break;
      default:
        throw new ProtobufDecodeError(`unsupported wire type ${wireType} for field ${field}`);
    }
  }
}

const utf8 = new TextDecoder('utf-8');

export function fieldString(field: WireField): string {
  return field.type === 'bytes' ? utf8.decode(field.value) : '';
}

export function fieldNumber(field: WireField): number {
  return field.type === 'varint' ? Number(BigInt.asIntN(64, field.value)) : 0;
}
