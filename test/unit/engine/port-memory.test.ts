import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../../src/config/project.js';
import { choosePorts, rememberPorts, withChosenPorts } from '../../../src/engine/port-memory.js';
import type { ContainerSpec } from '../../../src/runtime/runtime.js';
import { tempDir } from '../../helpers/temp.js';
import { demoProject } from './fixtures.js';

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

/** demoProject() (db on port 0, app on 3000) living in `dir`, named p. */
const projectIn = (dir: string): Project => ({ ...demoProject(), name: 'p', dir });

describe('port memory', () => {
  it('chooses the port used last time while it is free, else another free one', async () => {
    const dir = tempDir('devenv-ports');
    const port = await freePort();
    rememberPorts(dir, 'p', 'db', spec(0).ports, [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 5432, protocol: 'tcp' }]);
    expect(await choosePorts(projectIn(dir))).toEqual({ 'db/5432/tcp': { hostPort: port, remembered: true } });

    const holder = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    try {
      const other = (await choosePorts(projectIn(dir)))['db/5432/tcp']!;
      expect(other.remembered).toBe(false);
      expect(other.hostPort).not.toBe(port);
      expect(other.hostPort).toBeGreaterThan(0);
    } finally {
      holder.close();
    }
  });

  it('puts the chosen ports into a spec, leaving declared ports alone', () => {
    const choices = { 'db/5432/tcp': { hostPort: 41000, remembered: false } };
    expect(withChosenPorts(spec(0), 'db', choices).ports[0]!.hostPort).toBe(41000);
    expect(withChosenPorts(spec(5433), 'db', choices).ports[0]!.hostPort).toBe(5433);
    expect(withChosenPorts(spec(0), 'other', choices).ports[0]!.hostPort).toBe(0);
  });

  it('does not ask for a remembered port another service declares, or one that is not a port', async () => {
    const dir = tempDir('devenv-ports');
    rememberPorts(dir, 'p', 'db', spec(0).ports, [{ hostIp: '127.0.0.1', hostPort: 3000, containerPort: 5432, protocol: 'tcp' }]);
    expect((await choosePorts(projectIn(dir)))['db/5432/tcp']).toMatchObject({ remembered: false });
    writeFileSync(join(dir, '.devenv', 'ports.json'), JSON.stringify({ 'p/db/5432/tcp': 70000 }));
    expect((await choosePorts(projectIn(dir)))['db/5432/tcp']).toMatchObject({ remembered: false });
  });

  it('keeps the entries of other project names (-p runs several from one folder)', () => {
    const dir = tempDir('devenv-ports');
    mkdirSync(join(dir, '.devenv'));
    writeFileSync(join(dir, '.devenv', 'ports.json'), JSON.stringify({ 'other/db/5432/tcp': 40000 }));
    rememberPorts(dir, 'p', 'db', spec(0).ports, [{ hostIp: '127.0.0.1', hostPort: 40001, containerPort: 5432, protocol: 'tcp' }]);
    expect(JSON.parse(readFileSync(join(dir, '.devenv', 'ports.json'), 'utf8'))).toEqual({ 'other/db/5432/tcp': 40000, 'p/db/5432/tcp': 40001 });
  });
});
