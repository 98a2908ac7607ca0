import { readFileSync } from 'node:fs';

/** Set by the bundler (scripts/build.mjs); undefined when the sources run as they are (the tests). */
declare const DEVENV_VERSION: string | undefined;

let cached: string | undefined;

/** devenv's version: built in, else from its package.json (one folder above src/). */
export function devenvVersion(): string {
  cached ??= typeof DEVENV_VERSION === 'string'
    ? DEVENV_VERSION
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
