/**
 * Turns the JSON messages of an Engine API build (classic `stream` lines or BuildKit trace
 * messages) into readable lines, and remembers what a failure report needs: the step that
 * failed, the engine's error and that step's last output lines.
 */
import { decodeStatusResponse, type TraceVertex } from './buildkit-trace.js';

/** One JSON message of the /build response stream. */
export interface BuildMessage {
  stream?: string;
  status?: string;
  id?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

export interface BuildFailure {
  /** The Dockerfile instruction that failed, e.g. "RUN npm ci"; undefined when not known. */
  step?: string;
  error: string;
  /** The failing step's last output lines. */
  details: string[];
}

const KEPT_LINES = 30;
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

interface VertexState {
  name: string;
  announced: boolean;
  done: boolean;
  lines: string[];
  partial: string;
}

export class BuildOutput {
  /** Image ID from the stream (classic `aux.ID`, BuildKit "moby.image.id"). */
  imageId?: string;
  private readonly vertexes = new Map<string, VertexState>();
  private failedVertex?: VertexState;
  private failedError = '';
  private streamError?: string;
  /** Classic builder: the current "Step n/m : INSTR" and its output. */
  private classicStep?: string;
  private classicLines: string[] = [];
  private classicPartial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(message: BuildMessage): void {
    if (message.id === 'moby.buildkit.trace' && typeof message.aux === 'string') {
      this.trace(message.aux);
    } else if (message.aux && typeof message.aux === 'object' && 'ID' in message.aux) {
      const id = (message.aux as { ID: unknown }).ID;
      if (typeof id === 'string') this.imageId = id;
    } else if (typeof message.stream === 'string') {
      this.classic(message.stream);
    } else if (message.error !== undefined || message.errorDetail !== undefined) {
      this.streamError = (message.errorDetail?.message ?? message.error ?? 'unknown error').trim();
      this.onLine(`ERROR: ${this.streamError}`);
    } else if (typeof message.status === 'string') {
      this.onLine(message.id ? `${message.id}: ${message.status}` : message.status);
    }
  }

  /** Flushes partial lines; call once the stream ended. */
  finish(): void {
    if (this.classicPartial) this.classic('\n');
    for (const state of this.vertexes.values()) {
      if (state.partial) this.vertexLine(state, state.partial);
      state.partial = '';
    }
  }

  /** Undefined when the build succeeded. */
  failure(): BuildFailure | undefined {
    if (this.streamError === undefined && !this.failedVertex) return undefined;
    const error = this.streamError ?? this.failedError;
    if (this.failedVertex) {
      return { step: instruction(this.failedVertex.name), error, details: [...this.failedVertex.lines] };
    }
    return { step: this.classicStep && instruction(this.classicStep), error, details: [...this.classicLines] };
  }

  private trace(aux: string): void {
    let status;
    try {
      status = decodeStatusResponse(aux);
    } catch {
      return; // a message from a newer BuildKit we cannot read must not fail the build
    }
    for (const vertex of status.vertexes) this.vertex(vertex);
    for (const log of status.logs) {
      const state = this.state(log.vertex);
      const text = state.partial + Buffer.from(log.msg).toString('utf8');
      const lines = text.split(/\r?\n/);
      state.partial = lines.pop() ?? '';
      for (const line of lines) this.vertexLine(state, line);
    }
  }

  private vertex(vertex: TraceVertex): void {
    const state = this.state(vertex.digest);
    if (vertex.name) state.name = vertex.name;
    if (vertex.started !== undefined && !state.announced) {
      state.announced = true;
      if (!vertex.cached) this.onLine(state.name);
    }
    if (vertex.completed !== undefined && !state.done) {
      state.done = true;
      if (state.partial) this.vertexLine(state, state.partial);
      state.partial = '';
      if (vertex.error) {
        this.failedVertex ??= state;
        this.failedError ||= vertex.error;
        this.onLine(`${state.name}: ERROR: ${vertex.error}`);
      } else if (vertex.cached) {
        this.onLine(`${state.name}: CACHED`);
      } else if (vertex.started !== undefined) {
        this.onLine(`${state.name}: done in ${((vertex.completed - vertex.started) / 1000).toFixed(1)}s`);
      }
    }
  }

  private state(digest: string): VertexState {
    let state = this.vertexes.get(digest);
    if (!state) {
      state = { name: digest.slice(0, 19), announced: false, done: false, lines: [], partial: '' };
      this.vertexes.set(digest, state);
    }
    return state;
  }

  private vertexLine(state: VertexState, line: string): void {
    keep(state.lines, line);
    this.onLine(`  ${line}`);
  }

  private classic(chunk: string): void {
    const lines = (this.classicPartial + chunk).split(/\r?\n/);
    this.classicPartial = lines.pop() ?? '';
    for (const colored of lines) {
      // The classic builder wraps a RUN's stderr in ANSI red.
      const line = colored.replace(ANSI, '');
      if (/^Step \d+\/\d+ : /.test(line)) {
        this.classicStep = line;
        this.classicLines = [];
      } else if (line.trim() && !/^ ---> |^Removing intermediate container /.test(line)) {
        keep(this.classicLines, line);
      }
      if (line.trim()) this.onLine(line);
    }
  }
}

function keep(lines: string[], line: string): void {
  lines.push(line);
  if (lines.length > KEPT_LINES) lines.shift();
}

/** "[stage-0 2/4] RUN npm ci" / "Step 2/4 : RUN npm ci" → "RUN npm ci". */
export function instruction(name: string): string {
  return name.replace(/^\[[^\]]*\]\s*/, '').replace(/^Step \d+\/\d+ : /, '').trim();
}
