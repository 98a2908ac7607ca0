/**
 * What `up` does to the engine, on an in-memory fake: what a failure removes and what it keeps,
 * which containers a run reuses, and in what order things start. (The e2e tests prove the same on
 * the real engine for the cases a user meets.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContainerService, Project } from '../../../src/config/project.js';
import { readLocalState } from '../../../src/engine/run-state.js';
import { teardown } from '../../../src/engine/teardown.js';
import { up } from '../../../src/engine/up.js';
import { tempDir } from '../../helpers/temp.js';
import { FakeRuntime } from './fake-runtime.js';

const engine = { address: 'fake://', serverVersion: '0', apiVersion: '1.41', buildkit: false, remote: false };

function container(name: string, extra: Partial<ContainerService> = {}): ContainerService {
  return {
    kind: 'container', name, dependsOn: [], aliases: [], oneshot: false, image: `img-${name}:1`, ports: [], env: {}, volumes: [],
    health: { type: 'none' }, restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000, ...extra,
  };
}

/** cache, a one-shot setup, app (built) after setup, all in a fresh folder. */
function project(): Project {
  const dir = tempDir('up-effects');
  return {
    name: 'fx', file: `${dir}/devenv.yml`, dir,
    services: [
      container('cache'),
      container('setup', { oneshot: true, command: ['true'] }),
      container('app', {
        image: 'fx-app:devenv',
        build: { context: dir, dockerfile: 'Dockerfile', args: {} },
        dependsOn: [{ service: 'cache', condition: 'healthy' }, { service: 'setup', condition: 'completed' }],
      }),
    ],
    migrations: [],
  };
}

const run = (runtime: FakeRuntime, p: Project, options = {}) => {
  const signal = new AbortController().signal;
  return up({ runtime, engine, project: p, options, signal, force: signal });
};

describe('up, on a fake engine', () => {
  it('says when a build context sends node_modules/, which no .dockerignore leaves out', async () => {
    const p = project();
    mkdirSync(join(p.dir, 'node_modules', 'left-pad'), { recursive: true });
    writeFileSync(join(p.dir, 'node_modules', 'left-pad', 'index.js'), 'module.exports = 1;\n');
    writeFileSync(join(p.dir, 'Dockerfile'), 'FROM node:20\nCOPY . .\n');
    const events: unknown[] = [];
    const signal = new AbortController().signal;
    await up({ runtime: new FakeRuntime(), engine, project: p, options: {}, signal, force: signal, onEvent: (e) => { events.push(e); } });
    expect(JSON.stringify(events)).toContain('the build context sends node_modules/ (1 files), as no .dockerignore leaves it out');
    writeFileSync(join(p.dir, '.dockerignore'), 'node_modules\n');
    events.length = 0;
    await up({ runtime: new FakeRuntime(), engine, project: p, options: { build: true }, signal, force: signal, onEvent: (e) => { events.push(e); } });
    expect(JSON.stringify(events)).not.toContain('node_modules');
  });

  it('starts a one-shot first and its dependants only once it has exited 0', async () => {
    const fake = new FakeRuntime();
    const result = await run(fake, project());
    expect(fake.calls.indexOf('start fx-setup')).toBeLessThan(fake.calls.indexOf('start fx-app'));
    expect(result.endpoints.find((e) => e.service === 'setup')).toMatchObject({ completed: true });
    expect(fake.names()).toEqual(['fx-app running', 'fx-cache running', 'fx-setup exited']);
  });

  it('keeps the container of a service that failed, stopped, and removes the rest this run created', async () => {
    const fake = new FakeRuntime();
    fake.exits.set('fx-app', 3);
    const p = project();
    const error = await run(fake, p).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SERVICE_EXITED', message: expect.stringContaining('app exited with code 3') });
    expect((error as { details: string[] }).details).toContain("app's container is kept, stopped: `devenv logs app` shows its output; the next `devenv up` replaces it.");
    // The network stays with the kept container; cache and setup, which this run created, go.
    expect(fake.names()).toEqual(['fx-app exited']);
    expect([...fake.networks.keys()]).toEqual(['fx-net']);
    expect(readLocalState(p.dir).failed).toEqual({ 'fx/app': { containerId: [...fake.containers.keys()][0], reason: 'exited with code 3' } });

    // The next up replaces the kept container, says why, and forgets it once all is well.
    fake.exits.delete('fx-app');
    fake.calls.length = 0;
    await run(fake, p);
    expect(fake.calls).toContain('remove fx-app');
    expect(fake.names()).toEqual(['fx-app running', 'fx-cache running', 'fx-setup exited']);
    expect(readLocalState(p.dir).failed).toEqual({});
  });

  it('a one-shot that exits non-zero fails up and is kept; its dependants never start', async () => {
    const fake = new FakeRuntime();
    fake.exits.set('fx-setup', 2);
    const error = await run(fake, project()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SERVICE_EXITED', message: 'setup (a oneshot service) exited with code 2' });
    // app was created early, never started, and goes with the failed run.
    expect(fake.calls).not.toContain('start fx-app');
    expect(fake.names()).toEqual(['fx-setup exited']);
  });

  it('a failed build leaves the running container it would have replaced', async () => {
    const fake = new FakeRuntime();
    const p = project();
    await run(fake, p);
    const before = fake.names();
    fake.failingBuilds.set('app', 'step 2 failed');
    const error = await run(fake, p, { build: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IMAGE_BUILD_FAILED' });
    expect(fake.names()).toEqual(before);
  });

  it('a first up whose build fails removes the named volume it made for the service, which no container used', async () => {
    const fake = new FakeRuntime();
    const p = project();
    const app = p.services.find((s) => s.name === 'app') as ContainerService;
    app.volumes = [{ type: 'volume', source: 'fx-node_modules', target: '/app/node_modules', readOnly: false }];
    fake.failingBuilds.set('app', 'step 2 failed');
    expect(await run(fake, p).catch((e: unknown) => e)).toMatchObject({ code: 'IMAGE_BUILD_FAILED' });
    expect([...fake.volumes.keys()]).toEqual([]);
    // Once a container has used it, it stays through a later failure, as data does.
    fake.failingBuilds.delete('app');
    await run(fake, p);
    fake.failingBuilds.set('app', 'step 3 failed');
    expect(await run(fake, p, { build: true }).catch((e: unknown) => e)).toMatchObject({ code: 'IMAGE_BUILD_FAILED' });
    expect([...fake.volumes.keys()]).toEqual(['fx-node_modules']);
  });

  it('a rebuild that gives the same image keeps the containers that run it; a new image replaces them', async () => {
    const fake = new FakeRuntime();
    const p = project();
    await run(fake, p);
    const before = [...fake.containers.keys()];
    fake.sameBuilds = true;
    fake.calls.length = 0;
    const kept = await run(fake, p, { build: true, services: ['app'] });
    expect(fake.calls).toEqual(['build app']);
    expect([...fake.containers.keys()]).toEqual(before);
    // Running before this up: not this up's to stop on Ctrl-C.
    expect(kept.broughtUp.has('app')).toBe(false);

    fake.sameBuilds = false;
    fake.calls.length = 0;
    const replaced = await run(fake, p, { build: true, services: ['app'] });
    expect(fake.calls).toEqual(expect.arrayContaining(['build app', 'remove fx-app', 'create fx-app', 'start fx-app']));
    expect(replaced.broughtUp.has('app')).toBe(true);
  });

  it('keeps a stopped container a rebuild did not change, and starts it', async () => {
    const fake = new FakeRuntime();
    const p = project();
    await run(fake, p);
    const id = [...fake.containers.entries()].find(([, c]) => c.spec.name === 'fx-app')![0];
    await fake.stopContainer(id);
    fake.sameBuilds = true;
    fake.calls.length = 0;
    const result = await run(fake, p, { build: true, services: ['app'] });
    expect(fake.calls).toEqual(['build app', 'start fx-app']);
    expect(result.broughtUp.has('app')).toBe(true);
  });

  it('up NAME creates that service and its dependencies only', async () => {
    const fake = new FakeRuntime();
    await run(fake, project(), { services: ['cache'] });
    expect(fake.names()).toEqual(['fx-cache running']);
    expect(fake.calls.filter((c) => c.startsWith('build'))).toEqual([]);
  });

  it('a second up with nothing changed creates, starts and builds nothing', async () => {
    const fake = new FakeRuntime();
    const p = project();
    await run(fake, p);
    fake.calls.length = 0;
    await run(fake, p);
    expect(fake.calls).toEqual([]);
  });

  it('restart restarts the named service only, keeping its container', async () => {
    const fake = new FakeRuntime();
    const p = project();
    await run(fake, p);
    const ids = [...fake.containers.keys()];
    fake.calls.length = 0;
    await run(fake, p, { services: ['app'], mode: 'restart' });
    expect(fake.calls).toEqual(['stop fx-app', 'start fx-app']);
    expect([...fake.containers.keys()]).toEqual(ids);
  });

  it('down removes the network once the engine lets go of the stopped containers\' endpoints', async () => {
    const fake = new FakeRuntime();
    await run(fake, project());
    fake.lingeringEndpoints = 3;
    await teardown(fake, 'fx', {});
    expect(fake.lingeringEndpoints).toBe(0);
    expect(fake.calls).toContain('remove network fx-net');
    expect(fake.names()).toEqual([]);
    expect(fake.networks.size).toBe(0);
  });
});
