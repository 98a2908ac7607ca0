import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rememberPorts, withRememberedPorts } from '../../../src/engine/port-memory.js';
import type { ContainerSpec } from '../../../src/runtime/runtime.js';
import { tempDir } from '../../helpers/temp.js';

const spec = (hostPort: number): ContainerSpec => ({
  name: 'p-db', image: 'postgres:15', env: {}, labels: {}, mounts: [], restart: { policy: 'no', maxRestarts: 0 }, init: false,
  ports: [{ hostIp: '127.0.0.1', hostPort, containerPort: 5432, protocol: 'tcp' }],
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('port memory', () => {
  it('asks again for the port the engine picked last time, while it is free', async () => {
    const dir = tempDir('devenv-ports');
    const port = await freePort();
    rememberPorts(dir, 'p', 'db', spec(0).ports, [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 5432, protocol: 'tcp' }]);
    expect((await withRememberedPorts(spec(0), dir, 'p', 'db', new Set())).ports[0]!.hostPort).toBe(port);

    const holder = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      expect((await withRememberedPorts(spec(0), dir, 'p', 'db', new Set())).ports[0]!.hostPort).toBe(0);
    } finally {
      holder.close();
    }
  });

  it('leaves declared ports alone, and ignores remembered ports another service declares or that are not ports', async () => {
    const dir = tempDir('devenv-ports');
    const port = await freePort();
    rememberPorts(dir, 'p', 'db', spec(0).ports, [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 5432, protocol: 'tcp' }]);
    expect((await withRememberedPorts(spec(5433), dir, 'p', 'db', new Set())).ports[0]!.hostPort).toBe(5433);
    expect((await withRememberedPorts(spec(0), dir, 'p', 'db', new Set([port]))).ports[0]!.hostPort).toBe(0);
    writeFileSync(join(dir, '.devenv', 'ports.json'), JSON.stringify({ 'p/db/5432/tcp': 70000 }));
    expect((await withRememberedPorts(spec(0), dir, 'p', 'db', new Set())).ports[0]!.hostPort).toBe(0);
  });

  it('keeps only the current project\'s entries', () => {
    const dir = tempDir('devenv-ports');
    mkdirSync(join(dir, '.devenv'));
    writeFileSync(join(dir, '.devenv', 'ports.json'), JSON.stringify({ 'other/db/5432/tcp': 40000 }));
    rememberPorts(dir, 'p', 'db', spec(0).ports, [{ hostIp: '127.0.0.1', hostPort: 40001, containerPort: 5432, protocol: 'tcp' }]);
    expect(JSON.parse(readFileSync(join(dir, '.devenv', 'ports.json'), 'utf8'))).toEqual({ 'p/db/5432/tcp': 40001 });
  });
});
