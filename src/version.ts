import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** devenv's version, from its package.json (one folder above dist/ and src/). */
export function devenvVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
