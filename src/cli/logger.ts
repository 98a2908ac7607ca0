/**
 * pino, writing JSON to .devenv/devenv.log and, with --debug (or for warnings), to stderr:
 * pretty on a TTY, JSON otherwise. Never to stdout, which the renderers and --json own.
 */
import { existsSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type pinoModule from 'pino';
import { ensureDevenvDir, refuseSymlink } from '../util/devenv-dir.js';

export type Logger = pinoModule.Logger;

const require = createRequire(import.meta.url);
const MAX_LOG_BYTES = 5_000_000;

/** file: .devenv/devenv.log of the project. pino is loaded here, by the commands that log. */
export function createLogger(options: { file?: string; debug: boolean }): Logger {
  const pino = require('pino') as typeof pinoModule;
  const streams: pinoModule.StreamEntry[] = [];
  if (options.file) {
    // .devenv/ holds secrets and logs: private, never committed, never written through a link.
    ensureDevenvDir(dirname(dirname(options.file)));
    refuseSymlink(options.file);
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
