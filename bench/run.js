#!/usr/bin/env node
// Benchmarks what a user waits for: CLI start-up, validate, a cold and a warm `up` of the demo, `down`.
// Needs a built CLI (npm run build) and a Docker engine. Prints the median of N runs per case.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 5);
const project = `bench-${randomBytes(3).toString('hex')}`;
const env = { ...process.env, CI: 'true', APP_PORT: '0' };

function devenv(...args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['bin/devenv.js', ...args], { cwd: root, env, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`devenv ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return ms;
}

function measure(name, setup, fn) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    setup?.();
    times.push(fn());
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`${name.padEnd(44)} median ${median.toFixed(0).padStart(6)} ms   min ${times[0].toFixed(0).padStart(6)} ms   max ${times.at(-1).toFixed(0).padStart(6)} ms`);
}

try {
  console.log(`devenv benchmarks, ${runs} runs each, project ${project}`);
  measure('devenv --help', null, () => devenv('--help'));
  measure('devenv validate (demo)', null, () => devenv('validate'));
  measure('up -d, cold (fresh volume, cached image)', () => devenv('down', '--volumes', '-p', project), () => devenv('up', '-d', '-p', project));
  measure('up -d, warm (nothing changed)', null, () => devenv('up', '-d', '-p', project));
  measure('down (2 containers + network)', () => devenv('up', '-d', '-p', project), () => devenv('down', '-p', project));
} finally {
  devenv('down', '--volumes', '--images', '-p', project);
}
