#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  // A fresh clone has no build yet (the published package ships one): make it once, with the
  // clone's dev dependencies, instead of an install script every user of the package would run.
  const { execFileSync } = await import('node:child_process');
  // From the clone's root: the build names its sources relative to it, and devenv runs from any folder.
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'ignore', 'inherit'] });
}
const { main } = await import(entry.href);
main(process.argv).then((code) => { process.exitCode = code; });
