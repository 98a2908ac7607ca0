import { createServer } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { connectRuntime } from '../../../src/runtime/docker-runtime.js';
import { removeProject, uniqueProject } from '../../helpers/engine.js';
import { busyboxSpec, collect, freePort } from './runtime-fixture.js';
import { LABELS } from '../../../src/engine/labels.js';

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

    // httpd listens a moment after the start: asked before, a request can hang on the port's proxy
    // (a CI run timed out here), so each attempt is bounded and repeated until it answers.
    let text: string | undefined;
    for (let attempt = 0; text === undefined && attempt < 50; attempt += 1) {
      text = await fetch(`http://127.0.0.1:${port}/index.html`, { signal: AbortSignal.timeout(2000) }).then((r) => r.text(), () => undefined);
      if (text === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(text?.trim()).toBe('ok');
    expect(await runtime.exec(id, ['sh', '-c', 'echo "$GREETING"'])).toEqual({ exitCode: 0, output: 'hello world' });

    // A second container asking for the same host port.
    const second = await runtime.createContainer(busyboxSpec(project, 'web2', {
      command: httpd,
      ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, protocol: 'tcp' }],
    }));
    await expect(runtime.startContainer(second)).rejects.toMatchObject({
      code: 'PORT_IN_USE',
      // Named by the container that publishes it, not by the engine's proxy process.
      message: expect.stringMatching(new RegExp(`^port 127\\.0\\.0\\.1:${port} is already in use by container ${project}-web$`)),
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
        // This test's own process listens there.
        message: expect.stringMatching(new RegExp(`^port 127\\.0\\.0\\.1:${port} is already in use by node \\(pid ${process.pid}: `)),
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

  it('finds the exit code of a run its restart policy replaced, which inspect no longer shows', async () => {
    const since = Date.now();
    const id = await runtime.createContainer(busyboxSpec(project, 'restarted', {
      command: ['sh', '-c', 'sleep 0.3; exit 4'],
      restart: { policy: 'always', maxRestarts: 0 },
    }));
    expect(await runtime.lastExitCode(id, { since, until: Date.now() })).toBeUndefined();
    await runtime.startContainer(id);
    let details = await runtime.inspectContainer(id);
    for (let i = 0; i < 100 && !(details.restartCount >= 1 && details.state === 'running'); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      details = await runtime.inspectContainer(id);
    }
    expect(details).toMatchObject({ state: 'running', exitCode: 0 });
    expect(await runtime.lastExitCode(id, { since: details.startedAt - 5000, until: details.startedAt })).toBe(4);
    await runtime.removeContainer(id);
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

  it('runs an interactive exec: stdin in, stdout and stderr apart, the exit code out', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'iexec'));
    await runtime.startContainer(id);
    const io = terminal(Readable.from(['hello from stdin\n']));
    const code = await runtime.execInteractive(id, {
      command: ['sh', '-c', 'read line; echo "got $line as $(id -u) in $(pwd) with $GREETING"; echo oops >&2; exit 3'],
      env: { GREETING: 'hi' },
      user: '1000',
      workdir: '/tmp',
    }, io);
    expect(code).toBe(3);
    expect(io.out()).toBe('got hello from stdin as 1000 in /tmp with hi\n');
    expect(io.err()).toBe('oops\n');
  });

  it('gives an interactive exec a TTY of the terminal\'s size', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'itty'));
    await runtime.startContainer(id);
    const io = { ...terminal(undefined), tty: true, size: () => ({ rows: 33, columns: 101 }) };
    // The resize reaches the TTY a moment after the process starts.
    const code = await runtime.execInteractive(id, { command: ['sh', '-c', 'sleep 0.5; tty; stty size'] }, io);
    expect(code).toBe(0);
    expect(io.out()).toMatch(/^\/dev\/pts\/\d+\r?\n33 101\r?\n$/);
  });

  it('runs a container attached: output while it runs, its exit code at the end', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'attached', {
      command: ['sh', '-c', 'read line; echo "out $line"; echo err >&2; exit 7'],
      openStdin: true,
    }));
    const io = terminal(Readable.from(['typed\n']));
    expect(await runtime.runAttached(id, io)).toBe(7);
    expect(io.out()).toBe('out typed\n');
    expect(io.err()).toBe('err\n');
  });

  it('stops an attached container when the signal aborts and gives its exit code', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'attached-stop', { command: ['sleep', '600'] }));
    const controller = new AbortController();
    const io = terminal(undefined);
    // sleep 600 outlives the test's timeout: only the stop can end this run in time.
    const run = runtime.runAttached(id, io, controller.signal);
    // The stop once it runs, not after a fixed pause: under load a SIGTERM that comes while the
    // container is still starting is lost, and the stop ends in SIGKILL (137) after its timeout.
    while ((await runtime.inspectContainer(id)).state !== 'running') await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    controller.abort();
    expect(await run).toBe(143);
  }, 30_000);

  it('fails an attached run whose container cannot start, leaving nothing open', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'unstartable', { command: ['true'], user: 'nosuchuser' }));
    // An open attach or wait would keep this from ending within the test's timeout.
    await expect(runtime.runAttached(id, terminal(undefined))).rejects.toMatchObject({ code: 'ENGINE_ERROR', message: expect.stringContaining('nosuchuser') });
  });

  it('sends a signal to a container, and a stopped one is fine', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'killed', { command: ['sleep', '600'], init: false }));
    await runtime.startContainer(id);
    await runtime.killContainer(id, 'SIGKILL');
    expect(await runtime.waitContainer(id)).toBe(137);
    await runtime.killContainer(id, 'SIGKILL');
  });
});

/** A terminal made of pipes: stdin from a stream, stdout and stderr collected. */
function terminal(stdin: Readable | undefined) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) => new Writable({ write: (chunk: Buffer, _e, done) => { into.push(chunk); done(); } });
  return {
    stdin,
    stdout: sink(out),
    stderr: sink(err),
    tty: false,
    out: () => Buffer.concat(out).toString(),
    err: () => Buffer.concat(err).toString(),
  };
}
