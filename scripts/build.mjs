#!/usr/bin/env node
// Builds the CLI as a few files instead of hundreds of modules: dist/main.js, with the commands' code
// split into chunks that load only when a command needs them (`devenv --help` loads none of them).
// Node spends more time resolving and compiling many small modules than running devenv's code.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

// pg asks "is this Cloudflare Workers?" at load time with `new Response(...)`, which makes Node load
// its whole fetch implementation (~15 ms and a GC) for a CLI that never runs on Workers.
const pgNotOnWorkers = {
  name: 'pg-not-on-workers',
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const probe = "typeof Response === 'function'";
      if (!text.includes(probe)) throw new Error(`pg-not-on-workers: ${args.path} no longer contains ${probe}; remove or update this plugin`);
      return { contents: text.replace(probe, 'false'), loader: 'js' };
    });
  },
};

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/main.ts' },
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  format: 'esm',
  splitting: true,
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  // Smaller files parse faster: start-up is most of a short command's time.
  minify: true,
  // pg's optional native binding is not used; pino-pretty is required only on a terminal, by path.
  external: ['pg-native', 'pino-pretty'],
  define: { DEVENV_VERSION: JSON.stringify(pkg.version) },
  // The bundled CommonJS packages (pg, pino, tar-fs) call require().
  banner: { js: "import { createRequire as __devenvRequire } from 'node:module'; const require = __devenvRequire(import.meta.url);" },
  plugins: [pgNotOnWorkers],
  logLevel: 'warning',
});
