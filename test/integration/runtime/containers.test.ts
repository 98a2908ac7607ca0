import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRuntime } from '../../../src/runtime/docker-runtime.js';
import { LABELS } from '../../../src/runtime/runtime.js';
import { removeProject, uniqueProject } from '../../helpers/engine.js';
import { busyboxSpec, collect, freePort } from './runtime-fixture.js';

const project = uniqueProject('rt-containers');
const runtime = connectRuntime();

afterAll(() => removeProject(project));

const httpd = ['sh', '-c', 'echo ok > /tmp/index.html && exec httpd -f -p 8080 -h /tmp'];

describe('DockerRuntime containers', () => {
  it('publishes a port on 127.0.0.1 and shows it in inspect and list', async () => {
    const port = await freePort();
    const id = await runtime.createContainer(busyboxSpec(project, 'web', {
      command: httpd,
      env: { GREETING: 'hello world' },
      ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, protocol: 'tcp' }],
      restart: { policy: 'on-failure', maxRestarts: 2 },
    }));
    await runtime.startContainer(id);
    await runtime.startContainer(id); // already running: fine

    const details = await runtime.inspectContainer(id);
    expect(details).toMatchObject({ id, name: `${project}-web`, image: 'busybox', state: 'running', exitCode: 0, oomKilled: false });
    expect(details.imageId).toMatch(/^sha256:/);
    expect(details.ports).toEqual([{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, protocol: 'tcp' }]);
    expect(details.labels[LABELS.project]).toBe(project);

    const listed = await runtime.listContainers({ [LABELS.project]: project, [LABELS.service]: 'web' });
    expect(listed.map((c) => [c.id, c.state, c.ports])).toEqual([[id, 'running', details.ports]]);

    const response = await fetch(`http://127.0.0.1:${port}/index.html`);
    expect((await response.text()).trim()).toBe('ok');
    expect(await runtime.exec(id, ['sh', '-c', 'echo "$GREETING"'])).toEqual({ exitCode: 0, output: 'hello world' });

    // A second container asking for the same host port.
    const second = await runtime.createContainer(busyboxSpec(project, 'web2', {
      command: httpd,
      ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, protocol: 'tcp' }],
    }));
    await expect(runtime.startContainer(second)).rejects.toMatchObject({
      code: 'PORT_IN_USE',
      message: `port 127.0.0.1:${port} is already in use`,
      hint: expect.stringContaining('port:'),
    });

    await runtime.stopContainer(id, 2);
    await runtime.stopContainer(id, 2); // already stopped: fine
    expect((await runtime.inspectContainer(id)).state).toBe('exited');
    await runtime.removeContainer(id);
    await runtime.removeContainer(id); // already gone: fine
    expect((await runtime.listContainers({ [LABELS.project]: project, [LABELS.service]: 'web' }))).toEqual([]);
  });

  it('reports PORT_IN_USE when another process holds the port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const id = await runtime.createContainer(busyboxSpec(project, 'taken', {
        ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, protocol: 'tcp' }],
      }));
      await expect(runtime.startContainer(id)).rejects.toMatchObject({
        code: 'PORT_IN_USE',
        message: `port 127.0.0.1:${port} is already in use`,
      });
    } finally {
      server.close();
    }
  });

  it('lets the engine pick a host port for port 0', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'anyport', {
      ports: [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 8080, protocol: 'tcp' }],
    }));
    await runtime.startContainer(id);
    const [published] = (await runtime.inspectContainer(id)).ports;
    expect(published?.hostIp).toBe('127.0.0.1');
    expect(published?.hostPort).toBeGreaterThan(0);
  });

  it('waits for the exit code', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'exit5', { command: ['sh', '-c', 'exit 5'] }));
    await runtime.startContainer(id);
    expect(await runtime.waitContainer(id)).toBe(5);
    expect(await runtime.inspectContainer(id)).toMatchObject({ state: 'exited', exitCode: 5 });
  });

  it('stops waiting when the signal aborts', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'sleeper'));
    await runtime.startContainer(id);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(runtime.waitContainer(id, controller.signal)).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });

  it('runs a command with exec and collects output and exit code', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'exec'));
    await runtime.startContainer(id);
    const result = await runtime.exec(id, ['sh', '-c', 'echo hello; echo oops >&2; exit 7']);
    expect(result.exitCode).toBe(7);
    expect(result.output.split('\n').sort()).toEqual(['hello', 'oops']);
    expect(await runtime.exec(id, ['true'])).toEqual({ exitCode: 0, output: '' });

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    // sleep 600 outlives the test's timeout: only the abort can end this exec in time.
    await expect(runtime.exec(id, ['sleep', '600'], controller.signal)).rejects.toMatchObject({ code: 'INTERRUPTED' });
  }, 30_000);
});
