/** The terminal an interactive exec or run talks to: raw mode while it runs, its size followed. */
import type { TerminalIo } from '../runtime/runtime.js';

export interface Terminal {
  io: TerminalIo;
  /** Puts the terminal back as it was. */
  restore(): void;
}

/** With tty (stdin and stdout are terminals and -T was not given), stdin goes raw: keys reach the process. */
export function openTerminal(wantTty: boolean): Terminal {
  const stdin = process.stdin;
  const tty = wantTty && Boolean(stdin.isTTY) && Boolean(process.stdout.isTTY);
  if (tty) stdin.setRawMode(true);
  const io: TerminalIo = {
    stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    tty,
    // A terminal that reports no size (0, as some pseudo-terminals do) gets the usual 24x80.
    size: () => ({ rows: process.stdout.rows || 24, columns: process.stdout.columns || 80 }),
    onResize: (listener) => {
      process.stdout.on('resize', listener);
      return () => process.stdout.off('resize', listener);
    },
  };
  return {
    io,
    restore: () => {
      if (tty) stdin.setRawMode(false);
      // Reading stdin keeps the process alive; the session is over.
      stdin.pause();
      stdin.unref?.();
    },
  };
}

/** `-e KEY=value` options as a map; a bare `-e KEY` takes KEY from devenv's own environment, as docker does. */
export function parseEnvOptions(values: string[] | string | undefined): Record<string, string> {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  const env: Record<string, string> = {};
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq === 0) continue;
    if (eq < 0) {
      const value = process.env[entry];
      if (value !== undefined) env[entry] = value;
    } else env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}
