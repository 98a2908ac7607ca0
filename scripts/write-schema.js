// Writes schemas/devenv.schema.json from the zod schema (src/config/json-schema.ts, bundled on the fly).
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'devenv-schema-'));
try {
  const outfile = join(dir, 'json-schema.mjs');
  await build({ entryPoints: ['src/config/json-schema.ts'], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning' });
  const { devenvJsonSchemaText } = await import(pathToFileURL(outfile).href);
  const target = fileURLToPath(new URL('../schemas/devenv.schema.json', import.meta.url));
  writeFileSync(target, devenvJsonSchemaText());
  console.log(`wrote ${target}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
