/**
 * pino, writing JSON to .devenv/devenv.log and, with --debug (or for warnings), to stderr:
 * pretty on a TTY, JSON otherwise. Never to stdout, which the renderers and --json own.
 */
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pino from 'pino';

export type Logger = pino.Logger;

const require = createRequire(import.meta.url);
const MAX_LOG_BYTES = 5_000_000;

export function createLogger(options: { file?: string; debug: boolean }): Logger {
  const streams: pino.StreamEntry[] = [];
  if (options.file) {
    const dir = dirname(options.file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // .devenv/ holds secrets and logs: never commit it.
    if (!existsSync(join(dir, '.gitignore'))) writeFileSync(join(dir, '.gitignore'), '*\n');
    // One previous log is kept; without this the file would grow with every run, forever.
    if (existsSync(options.file) && statSync(options.file).size > MAX_LOG_BYTES) renameSync(options.file, `${options.file}.1`);
    streams.push({ level: 'debug', stream: pino.destination({ dest: options.file, sync: true }) });
  }
  const level = options.debug ? 'debug' : 'warn';
  if (process.stderr.isTTY) {
    const pretty = require('pino-pretty') as (o: object) => NodeJS.WritableStream;
    streams.push({ level, stream: pretty({ destination: 2, sync: true }) });
  } else {
    streams.push({ level, stream: pino.destination({ dest: 2, sync: true }) });
  }
  return pino({ level: 'debug', base: undefined }, pino.multistream(streams));
}
