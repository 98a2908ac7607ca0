/**
 * pino, writing JSON to .devenv/devenv.log and, with --debug (or for warnings), to stderr:
 * pretty on a TTY, JSON otherwise. Never to stdout, which the renderers and --json own.
 */
import { chmodSync, existsSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { appendPrivate, ensureDevenvDir, refuseSymlink } from '../util/devenv-dir.js';

export type Logger = pino.Logger;

const require = createRequire(import.meta.url);
const MAX_LOG_BYTES = 5_000_000;

/** file: .devenv/devenv.log of the project. This module (and pino) is loaded by the commands that log. */
export function createLogger(options: { file?: string; debug: boolean }): Logger {
  const streams: pino.StreamEntry[] = [];
  if (options.file) {
    // .devenv/ holds secrets and logs: private, never committed, never written through a link.
    ensureDevenvDir(dirname(dirname(options.file)));
    refuseSymlink(options.file);
    // One previous log is kept; without this the file would grow with every run, forever.
    if (existsSync(options.file) && statSync(options.file).size > MAX_LOG_BYTES) renameSync(options.file, `${options.file}.1`);
    // Created private (0600) and never through a link; pino then appends to it as it is.
    appendPrivate(options.file, '');
    if ((statSync(options.file).mode & 0o077) !== 0) chmodSync(options.file, 0o600);
    streams.push({ level: 'debug', stream: pino.destination({ dest: options.file, sync: true }) });
  }
  const level = options.debug ? 'debug' : 'warn';
  if (process.stderr.isTTY && options.debug) {
    // pino-pretty costs ~40 ms to load: only for --debug, which shows every line.
    const pretty = require('pino-pretty') as (o: object) => NodeJS.WritableStream;
    streams.push({ level, stream: pretty({ destination: 2, sync: true }) });
  } else if (process.stderr.isTTY) {
    streams.push({ level, stream: plainWarnings() });
  } else {
    streams.push({ level, stream: pino.destination({ dest: 2, sync: true }) });
  }
  return pino({ level: 'debug', base: undefined }, pino.multistream(streams));
}

/** A warning or error as one readable line on the terminal: "warning: <msg>: <error message>". */
function plainWarnings(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        const entry = JSON.parse(chunk.toString('utf8')) as { level?: number; msg?: string; err?: { message?: string } };
        const label = (entry.level ?? 0) >= 50 ? 'error' : 'warning';
        // pino puts an error's message in msg too: say it once.
        const message = [entry.msg, entry.err?.message].filter((p, i, all): p is string => Boolean(p) && all.indexOf(p) === i).join(': ');
        process.stderr.write(`${label}: ${message}\n`);
      } catch {
        process.stderr.write(chunk);
      }
      done();
    },
  });
}
