/**
 * Decodes the `aux` of BuildKit's "moby.buildkit.trace" build messages: a base64 protobuf
 * moby.buildkit.v1.StatusResponse. Only the fields devenv shows are read:
 *   StatusResponse { repeated Vertex vertexes = 1; repeated VertexStatus statuses = 2; repeated VertexLog logs = 3; }
 *   Vertex { string digest = 1; string name = 3; bool cached = 4; Timestamp started = 5; Timestamp completed = 6; string error = 7; }
 *   VertexStatus { string ID = 1; string vertex = 2; string name = 3; int64 current = 4; int64 total = 5; }
 *   VertexLog { string vertex = 1; Timestamp timestamp = 2; int64 stream = 3; bytes msg = 4; }
 *   Timestamp { int64 seconds = 1; int32 nanos = 2; }
 */
import { fieldNumber, fieldString, readFields } from './protobuf-wire.js';

export interface TraceVertex {
  digest: string;
  name: string;
  cached: boolean;
  /** Milliseconds since the epoch; undefined while not started / not completed. */
  started?: number;
  completed?: number;
  /** Empty unless the vertex failed. */
  error: string;
}

export interface TraceStatus {
  id: string;
  vertex: string;
  name: string;
  current: number;
  total: number;
}

export interface TraceLog {
  vertex: string;
  /** 1 = stdout, 2 = stderr. */
  stream: number;
  msg: Uint8Array;
}

export interface StatusResponse {
  vertexes: TraceVertex[];
  statuses: TraceStatus[];
  logs: TraceLog[];
}

export function decodeStatusResponse(aux: string | Uint8Array): StatusResponse {
  const bytes = typeof aux === 'string' ? Buffer.from(aux, 'base64') : aux;
  const response: StatusResponse = { vertexes: [], statuses: [], logs: [] };
  for (const field of readFields(bytes)) {
    if (field.type !== 'bytes') continue;
    if (field.field === 1) response.vertexes.push(decodeVertex(field.value));
    else if (field.field === 2) response.statuses.push(decodeStatus(field.value));
    else if (field.field === 3) response.logs.push(decodeLog(field.value));
  }
  return response;
}

function decodeVertex(bytes: Uint8Array): TraceVertex {
  const vertex: TraceVertex = { digest: '', name: '', cached: false, error: '' };
  for (const field of readFields(bytes)) {
    switch (field.field) {
      case 1: vertex.digest = fieldString(field); break;
      case 3: vertex.name = fieldString(field); break;
      case 4: vertex.cached = fieldNumber(field) !== 0; break;
      case 5: if (field.type === 'bytes') vertex.started = decodeTimestamp(field.value); break;
      case 6: if (field.type === 'bytes') vertex.completed = decodeTimestamp(field.value); break;
      case 7: vertex.error = fieldString(field); break;
    }
  }
  return vertex;
}

function decodeStatus(bytes: Uint8Array): TraceStatus {
  const status: TraceStatus = { id: '', vertex: '', name: '', current: 0, total: 0 };
  for (const field of readFields(bytes)) {
    switch (field.field) {
      case 1: status.id = fieldString(field); break;
      case 2: status.vertex = fieldString(field); break;
      case 3: status.name = fieldString(field); break;
      case 4: status.current = fieldNumber(field); break;
      case 5: status.total = fieldNumber(field); break;
    }
  }
  return status;
}

function decodeLog(bytes: Uint8Array): TraceLog {
  const log: TraceLog = { vertex: '', stream: 1, msg: new Uint8Array() };
  for (const field of readFields(bytes)) {
    if (field.field === 1) log.vertex = fieldString(field);
    else if (field.field === 3) log.stream = fieldNumber(field);
    else if (field.field === 4 && field.type === 'bytes') log.msg = field.value;
  }
  return log;
}

/** A google.protobuf.Timestamp as epoch milliseconds. */
function decodeTimestamp(bytes: Uint8Array): number {
  let seconds = 0;
  let nanos = 0;
  for (const field of readFields(bytes)) {
    if (field.field === 1) seconds = fieldNumber(field);
    else if (field.field === 2) nanos = fieldNumber(field);
  }
  return seconds * 1000 + Math.floor(nanos / 1e6);
}
