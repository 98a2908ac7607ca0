/**
 * Ctrl-C, SIGTERM and SIGHUP: the first aborts `signal` (stop gracefully, tear down);
 * the second aborts `force` (kill instead of stop); a third exits at once.
 */
export interface Interrupts {
  signal: AbortSignal;
  force: AbortSignal;
  /** Which signal arrived first, if any. */
  received(): NodeJS.Signals | undefined;
  dispose(): void;
}

const EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export function exitCodeForSignal(signal: NodeJS.Signals | undefined): number {
  return (signal && EXIT[signal]) ?? 130;
}

export function listenForInterrupts(onFirst?: (signal: NodeJS.Signals) => void): Interrupts {
  const graceful = new AbortController();
  const force = new AbortController();
  let first: NodeJS.Signals | undefined;
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count += 1;
    if (count === 1) {
      first = sig;
      onFirst?.(sig);
      graceful.abort(sig);
    } else if (count === 2) {
      process.stderr.write('\nKilling the containers instead of stopping them (press Ctrl-C again to quit at once).\n');
      force.abort(sig);
    } else {
      process.stderr.write('\nQuitting at once; `devenv down` removes whatever is left.\n');
      process.exit(exitCodeForSignal(first));
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return {
    signal: graceful.signal,
    force: force.signal,
    received: () => first,
    dispose: () => { for (const s of signals) process.off(s, handler); },
  };
}
