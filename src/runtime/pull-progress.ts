/**
 * Sums the per-layer progress of an image pull into one PullProgress and reports it at most
 * every `intervalMs`. Only download bytes count: the engine reuses progressDetail for
 * extraction, which would make the bar go backwards.
 */
import type { PullProgress } from './runtime.js';

/** One JSON message of the /images/create response stream. */
export interface PullMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

const DOWNLOADED = /^(Download complete|Verifying Checksum|Extracting|Pull complete)$/;

export class PullProgressTracker {
  /** The engine's error when the stream reported one. */
  error?: string;
  private readonly layers = new Map<string, { current: number; total: number }>();
  private status = 'Waiting';
  private lastReport = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly image: string,
    private readonly onProgress: (progress: PullProgress) => void,
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  push(message: PullMessage): void {
    if (message.error !== undefined || message.errorDetail !== undefined) {
      this.error = (message.errorDetail?.message ?? message.error ?? 'unknown error').trim();
      return;
    }
    if (message.status) this.status = message.status;
    const id = message.id;
    if (id && this.isLayer(message)) {
      const layer = this.layers.get(id) ?? { current: 0, total: 0 };
      const detail = message.progressDetail;
      if (message.status === 'Downloading' && detail) {
        layer.current = detail.current ?? layer.current;
        layer.total = detail.total ?? layer.total;
      } else if (DOWNLOADED.test(message.status ?? '')) {
        layer.current = layer.total;
      }
      this.layers.set(id, layer);
    }
    if (this.now() - this.lastReport >= this.intervalMs) this.report();
  }

  /** Reports the final state whatever the throttle says. */
  finish(): void {
    this.report();
  }

  snapshot(): PullProgress {
    let current = 0;
    let total = 0;
    for (const layer of this.layers.values()) {
      current += layer.current;
      total += layer.total;
    }
    return { image: this.image, current, total, status: this.status };
  }

  private report(): void {
    this.lastReport = this.now();
    this.onProgress(this.snapshot());
  }

  /** Layer messages have a layer ID as `id`; others use the tag ("latest") or nothing. */
  private isLayer(message: PullMessage): boolean {
    return message.progressDetail !== undefined || this.layers.has(message.id ?? '') || message.status === 'Pulling fs layer';
  }
}
