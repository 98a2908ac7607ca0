import { inspect } from 'node:util';
import { DevenvError } from '../errors.js';

/** Prints an error for people: message, details, hint. A stack trace only with --debug or for a bug. */
export function printError(error: unknown, debug: boolean): void {
  const out = process.stderr;
  if (error instanceof DevenvError) {
    out.write(`error: ${error.message}\n`);
    for (const line of error.details) out.write(`  ${line}\n`);
    if (error.hint) out.write(`hint: ${error.hint}\n`);
    if (debug) out.write(`${inspect(error, { depth: 6 })}\n`);
    return;
  }
  if (error instanceof Error && error.name === 'CACError') {
    out.write(`error: ${error.message}\nhint: Run \`devenv --help\` for the commands and their options.\n`);
    return;
  }
  out.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  out.write(debug ? `${inspect(error, { depth: 6 })}\n` : 'This is a bug in devenv. Run again with --debug for the stack trace and report it.\n');
}
