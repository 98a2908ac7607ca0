/**
 * The same devenv.yml on a Swarm: build, `devenv push` to a registry, `export compose --swarm`,
 * `docker stack deploy` on a single-node swarm, and the app answers on the stack's network. It turns
 * the engine into a swarm manager for a while, so it runs alone, after the other suites, and leaves
 * the swarm again (unless the engine was in one before).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devenv, freePort } from '../helpers/cli.js';
import { removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject, tempDir } from '../helpers/temp.js';

const run = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
let joinedHere = false;
let hadGwBridge = false;
let registry: ChildProcess | undefined;
let host = '';
const project = uniqueProject('swarm');

const hasRegistry = spawnSync('sh', ['-c', 'command -v docker-registry'], { stdio: 'ignore' }).status === 0;
if (!hasRegistry) console.warn('the swarm test is skipped: Debian\'s docker-registry is not installed (apt-get install docker-registry)');
// Leaving a swarm (Docker 20.10) breaks name resolution in containers already running on the engine,
// until they restart: a developer's own stacks would lose their service names. The test makes a swarm
// of an engine only when nothing else runs on it (it runs after the other suites, alone).
const inSwarm = spawnSync('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'], { encoding: 'utf8' }).stdout?.trim() === 'active';
const othersRunning = (spawnSync('docker', ['ps', '-q'], { encoding: 'utf8' }).stdout ?? '').trim() !== '';
const intrusive = !inSwarm && othersRunning;
if (hasRegistry && intrusive) console.warn('the swarm test is skipped: containers run on this engine, and leaving the swarm afterwards would break their name resolution (stop them, or run the test on an engine already in a swarm)');
const runs = hasRegistry && !intrusive;

beforeAll(async () => {
  if (!runs) return;
  hadGwBridge = run('docker', 'network', 'inspect', 'docker_gwbridge').status === 0;
  if (run('docker', 'info', '--format', '{{.Swarm.LocalNodeState}}').stdout.trim() !== 'active') {
    const init = run('docker', 'swarm', 'init', '--advertise-addr', '127.0.0.1');
    if (init.status !== 0) throw new Error(`docker swarm init: ${init.stderr}`);
    joinedHere = true;
  }
  const dir = tempDir('swarm-registry');
  host = `127.0.0.1:${await freePort()}`;
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nstorage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }\nhttp: { addr: ${host} }\n`);
  registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false)); i += 1) await new Promise((r) => setTimeout(r, 100));
}, 120_000);

afterAll(async () => {
  if (!runs) return;
  run('docker', 'stack', 'rm', project);
  // The stack's network goes last, asynchronously; leaving the swarm before it is gone strands it.
  for (let i = 0; i < 60 && run('docker', 'network', 'inspect', `${project}_default`).status === 0; i += 1) await new Promise((r) => setTimeout(r, 500));
  // stack rm leaves the stack's volumes: they go once its containers have.
  for (let i = 0; i < 60; i += 1) {
    const volumes = run('docker', 'volume', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`).stdout.split('\n').filter(Boolean);
    if (volumes.length === 0 || run('docker', 'volume', 'rm', ...volumes).status === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (joinedHere) {
    run('docker', 'swarm', 'leave', '--force');
    // swarm init made it; leaving does not remove it.
    if (!hadGwBridge) run('docker', 'network', 'rm', 'docker_gwbridge');
  }
  registry?.kill();
  await removeProject(project);
}, 120_000);

/** GET from a container on the stack's network (nothing is published on the host). */
const get = (path: string) => run('docker', 'run', '--rm', '--network', `${project}_default`, 'node:20-bookworm-slim', 'node', '-e',
  `fetch('http://app:3000${path}', { signal: AbortSignal.timeout(3000) }).then((r) => r.text()).then(console.log, () => process.exit(1))`).stdout;

describe.skipIf(!runs)('on a Swarm', () => {
  it('push, export compose --swarm and docker stack deploy bring the example up, migrated, answering on the stack network', async () => {
    const dir = copyProject('examples/node-postgres');
    expect((await devenv(['-p', project, 'build'], { cwd: dir })).code).toBe(0);
    const pushed = await devenv(['-p', project, 'push', '--registry', host], { cwd: dir });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain(`Pushed ${host}/${project}-app:devenv`);
    const exported = await devenv(['-p', project, 'export', 'compose', '--swarm', '--registry', host, '-o', join(dir, 'stack.yml')], { cwd: dir });
    expect(exported.code, exported.stderr).toBe(0);
    const deploy = run('docker', 'stack', 'deploy', '-c', join(dir, 'stack.yml'), project);
    expect(deploy.status, deploy.stderr).toBe(0);

    let health = '';
    for (let i = 0; i < 120 && !health.includes('"ok":true'); i += 1) {
      await new Promise((r) => setTimeout(r, 1000));
      health = get('/health');
    }
    expect(health).toContain('"ok":true');
    // Swarm has no depends_on: the app can answer before the migration service has applied the
    // schema; the stack converges, so wait for it as for health.
    let notes = get('/notes');
    for (let i = 0; i < 120 && !notes.includes('"id":1'); i += 1) {
      await new Promise((r) => setTimeout(r, 1000));
      notes = get('/notes');
    }
    expect(JSON.parse(notes)).toEqual(expect.arrayContaining([expect.objectContaining({ id: 1 })]));
    expect(run('docker', 'service', 'logs', `${project}_migrate-schema`).stdout).toContain('migration schema: 2 applied');
  }, 300_000);
});
