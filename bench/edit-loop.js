#!/usr/bin/env node
// Edit to healthy: how long after saving a file the running app serves the change, for the two loops
// the README describes. (1) `devenv up --watch`: the image is rebuilt and the container recreated.
// (2) A bind mount and `node --watch`: the server restarts in its container, no build.
// Runs on a temporary copy of bench/edit-loop; prints the median of N edits each.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/devenv.js');
const edits = Number(process.env.BENCH_EDITS ?? 5);
const dir = join(mkdtempSync(join(tmpdir(), 'devenv-bench-edit-')), 'edit-loop');
cpSync(join(root, 'bench/edit-loop'), dir, { recursive: true });
const env = { ...process.env, CI: 'true' };
const devenv = (...args) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, env, encoding: 'utf8' });

async function served(url, token, timeoutMs = 120_000) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    const body = await fetch(url).then((r) => r.text(), () => '');
    if (body === token) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} did not serve ${token} within ${timeoutMs} ms`);
}

async function loop(name, file, start) {
  const up = devenv('up', '-d', '-f', file);
  if (up.status !== 0) throw new Error(`up -f ${file} failed:\n${up.stdout}\n${up.stderr}`);
  const url = /web\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(up.stdout)[1];
  const stop = await start?.(file);
  const times = [];
  try {
    for (let i = 0; i < edits; i++) {
      const token = `edit-${i}-${Date.now()}`;
      const t0 = performance.now();
      writeFileSync(join(dir, 'message.js'), `exports.message = '${token}';\n`);
      await served(url, token);
      times.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await stop?.();
    devenv('down', '-f', file);
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(40)} median ${times[Math.floor(times.length / 2)].toFixed(0).padStart(6)} ms   min ${times[0].toFixed(0).padStart(6)} ms   max ${times.at(-1).toFixed(0).padStart(6)} ms`);
}

/** `up --watch -d` in the background until stopped. */
async function watching(file) {
  const child = spawn(process.execPath, [bin, 'up', '-d', '--watch', '-f', file], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; if (out.includes('Watching')) resolve(); });
    child.once('exit', (code) => reject(new Error(`up --watch exited ${code}: ${out}`)));
  });
  return () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGINT'); });
}

try {
  console.log(`edit to healthy, ${edits} edits each (node:20 image, one-file change)`);
  await loop('up --watch (rebuild + recreate)', 'watch.yml', watching);
  await loop('bind mount + node --watch', 'mount.yml');
} finally {
  devenv('down', '--volumes', '--images', '-f', 'watch.yml');
  rmSync(dir, { recursive: true, force: true });
}
