#!/usr/bin/env node
// npm run bench: what a user waits for, measured on this machine (a built CLI and a Docker engine).
//  1. Start-up, nothing running: `devenv --version`, `ps`, `validate` against `node -e 0`, interleaved.
//  2. On a temporary copy of the demo stack: a no-op `up -d`, the peak RSS of `up -d` (cold and no-op),
//     and Ctrl-C of an attached `up` until it has exited with everything removed.
//  3. The shared harness (../shared/bench/compare.sh, or $BENCH_HARNESS) when it is there: docker-compose
//     (when installed), plain docker calls (the floor) and this checkout on the same reference stack,
//     interleaved, with ratios. BENCH_N sets its repetitions (default 8); BENCH_COMPARE=0 skips it.
// Timings are medians; compare ratios from one run, not milliseconds across runs.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'devenv.js');
const runs = Number(process.env.BENCH_RUNS ?? 20);
const project = `bench-${randomBytes(3).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'devenv-bench-'));
const rssFile = join(work, 'rss.txt');
const env = { ...process.env, CI: 'true', APP_PORT: '0' };

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(0)} ms`;

function time(command, args, options = {}) {
  const t0 = performance.now();
  const r = spawnSync(command, args, { cwd: work, env, encoding: 'utf8', ...options });
  const elapsed = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return elapsed;
}
const devenv = (...args) => time(process.execPath, [bin, ...args]);

/** Runs each case in turn, `runs` times, and prints medians with their ratio to the first case. */
function startup(cases) {
  const samples = cases.map(() => []);
  for (let i = 0; i < runs; i++) cases.forEach(([, run], c) => samples[c].push(run()));
  const base = median(samples[0]);
  console.log(`\nStart-up, nothing running (median of ${runs}, interleaved)`);
  for (const [c, [name]] of cases.entries()) {
    console.log(`  ${name.padEnd(34)} ${ms(median(samples[c])).padStart(8)}   ${(median(samples[c]) / base).toFixed(2)}x node -e 0`);
  }
}

/** Peak resident memory of one devenv command, from a preload that records it at exit. */
function peakRss(...args) {
  rmSync(rssFile, { force: true });
  time(process.execPath, [bin, ...args], { env: { ...env, NODE_OPTIONS: `--require ${join(root, 'bench', 'rss.cjs')}`, BENCH_RSS_FILE: rssFile } });
  return Number(readFileSync(rssFile, 'utf8').trim().split('\n')[0]) / 1024;
}

/** An attached up, Ctrl-C once it streams logs: how long until it has exited, and what is left. */
function interrupt() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'up', '-p', project], { cwd: work, env });
    let output = '';
    let sent = 0;
    const onData = (chunk) => {
      output += chunk;
      if (!sent && output.includes('Streaming logs')) {
        sent = performance.now();
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', () => {
      const elapsed = performance.now() - sent;
      const ps = spawnSync(process.execPath, [bin, 'ps', '-a', '--json', '-p', project], { cwd: work, env, encoding: 'utf8' });
      const left = JSON.parse(ps.stdout || '{"containers":[]}').containers.length;
      if (!sent) reject(new Error(`up ended before streaming logs:\n${output}`));
      else resolve({ elapsed, left });
    });
  });
}

/** devenv db on the demo's database: each command's wall time, and the time it reports for its work. */
function databases() {
  const samples = { snapshot: [], restore: [], reset: [] };
  const reported = { snapshot: [], restore: [], reset: [] };
  const run = (name, ...args) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, '-p', project, 'db', ...args], { cwd: work, env, encoding: 'utf8' });
    samples[name].push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`db ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    const last = [...r.stdout.matchAll(/in ([\d.]+) s/g)].at(-1);
    if (last) reported[name].push(Number(last[1]) * 1000);
  };
  // Each command leaves a tidy-up behind it (dropping the replaced copy, making the spare copies the
  // next restore and reset use); a contributor does not restore within a second of a snapshot, so
  // neither does the benchmark.
  const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
  for (let i = 0; i < 5; i++) {
    run('snapshot', 'snapshot', `bench${i}`);
    pause();
    run('restore', 'restore', `bench${i}`, '--yes');
    pause();
    run('reset', 'reset', '--yes');
    pause();
    spawnSync(process.execPath, [bin, '-p', project, 'db', 'snapshot', '--delete', `bench${i}`], { cwd: work, env });
  }
  for (const name of ['snapshot', 'restore', 'reset']) {
    console.log(`  db ${name.padEnd(8)} (median of 5)          ${ms(median(samples[name])).padStart(8)}   (its own report: ${ms(median(reported[name]))})`);
  }
}

async function demo() {
  cpSync(join(root, 'devenv.yml'), join(work, 'devenv.yml'));
  cpSync(join(root, 'examples', 'node-postgres'), join(work, 'examples', 'node-postgres'), { recursive: true, filter: (p) => !p.includes('node_modules') && !p.includes('.devenv') });
  console.log(`\nThe demo stack (Postgres, a sql migration, a Node app), project ${project}`);
  devenv('up', '-d', '-p', project); // builds the image once
  devenv('down', '--volumes', '-p', project);
  console.log(`  peak RSS of a cold up -d             ${peakRss('up', '-d', '-p', project).toFixed(0).padStart(5)} MB`);
  console.log(`  peak RSS of a no-op up -d            ${peakRss('up', '-d', '-p', project).toFixed(0).padStart(5)} MB`);
  const noop = Array.from({ length: Math.min(runs, 10) }, () => devenv('up', '-d', '-p', project));
  console.log(`  no-op up -d (median of ${noop.length})            ${ms(median(noop)).padStart(8)}`);
  databases();
  devenv('down', '-p', project);
  const stops = [];
  for (let i = 0; i < 3; i++) stops.push(await interrupt());
  console.log(`  Ctrl-C of an attached up → exited    ${ms(median(stops.map((s) => s.elapsed))).padStart(8)}   (median of 3; containers left: ${Math.max(...stops.map((s) => s.left))})`);
}

function compare() {
  if (process.env.BENCH_COMPARE === '0') return;
  const harness = process.env.BENCH_HARNESS ?? join(root, '..', 'shared', 'bench', 'compare.sh');
  if (!existsSync(harness)) {
    console.log(`\n(no comparison: ${harness} not found; set BENCH_HARNESS to the shared bench harness's compare.sh)`);
    return;
  }
  const compose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
  const drivers = compose ? ['compose', 'floor', 'devenv'] : ['floor', 'devenv'];
  console.log(`\n${harness} -n ${process.env.BENCH_N ?? 8} ${drivers.join(' ')}${compose ? '' : '   (docker-compose not installed)'}`);
  spawnSync('bash', [harness, '-n', process.env.BENCH_N ?? '8', ...drivers], { cwd: root, stdio: 'inherit' });
}

try {
  console.log(`devenv benchmarks (${new Date().toISOString().slice(0, 10)}, node ${process.version})`);
  startup([
    ['node -e 0', () => time(process.execPath, ['-e', '0'])],
    ['devenv --version', () => devenv('--version')],
    ['devenv ps (nothing running)', () => devenv('ps', '-p', project)],
    ['devenv validate (the demo)', () => devenv('validate', '-f', join(root, 'devenv.yml'))],
  ]);
  await demo();
} finally {
  spawnSync(process.execPath, [bin, 'down', '--volumes', '--images', '-p', project], { cwd: work, env, stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
compare();
