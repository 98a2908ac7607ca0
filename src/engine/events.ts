/** Typed progress events: the core reports, the CLI renders (listr2, plain lines, or nothing). */
import type { Step } from './plan.js';

export type EngineEvent =
  | { type: 'step-start'; step: Step }
  /** A line of progress for a running step (pull bytes, build output, migration output). */
  | { type: 'step-progress'; step: Step; message: string }
  | { type: 'step-done'; step: Step; ms: number; detail?: string }
  | { type: 'step-failed'; step: Step; ms: number; error: unknown }
  /** Not run because the plan stopped (a failure or Ctrl-C). */
  | { type: 'step-skipped'; step: Step }
  | { type: 'teardown'; message: string };

export type EventSink = (event: EngineEvent) => void;
