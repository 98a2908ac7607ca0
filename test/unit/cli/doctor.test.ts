import { describe, expect, it } from 'vitest';
import { diagnose, type Facts } from '../../../src/cli/commands/doctor.js';
import { DevenvError } from '../../../src/errors.js';

const healthy = (): Facts => ({
  node: 'v20.20.2',
  engine: { address: 'unix:///var/run/docker.sock', serverVersion: '20.10.24', apiVersion: '1.41', buildkit: true, remote: false },
  system: { rootDir: '/var/lib/docker', systemTime: 1_000_000, cpus: 2, memoryBytes: 2 ** 33, mirrors: [], os: 'Debian' },
  localTime: 1_000_500,
  disks: [{ what: 'images, containers and volumes', path: '/var/lib/docker', free: 50 * 1024 ** 3 }],
  ports: [{ port: 3000, service: 'app', free: true, ours: false }],
  credentials: { file: '/home/me/.docker/config.json', exists: false, helpers: [] },
});
const problems = (f: Facts) => diagnose(f).filter((x) => x.level !== 'ok').map((x) => `${x.level} ${x.topic}: ${x.message} | ${x.fix}`);

describe('doctor', () => {
  it('a machine with nothing wrong has only ok findings', () => {
    expect(problems(healthy())).toEqual([]);
  });

  it('no engine: one failure with the engine\'s own hint, and no engine checks after it', () => {
    const f = { ...healthy(), engine: undefined, system: undefined, engineError: new DevenvError('ENGINE_UNAVAILABLE', 'no Docker engine answered at unix:///x.sock (ENOENT)', { hint: 'Start Docker.' }) };
    expect(problems(f)).toEqual(['fail engine: no Docker engine answered at unix:///x.sock (ENOENT) | Start Docker.']);
  });

  it('each problem comes with its fix', () => {
    const f = healthy();
    f.node = 'v18.19.0';
    f.engine!.buildkit = false;
    f.system!.systemTime = f.localTime + 90_000;
    f.disks[0]!.free = 1024 ** 3;
    f.ports[0]!.free = false;
    f.credentials = { file: '/c.json', exists: true, helpers: [{ name: 'desktop', installed: false }] };
    const found = problems(f);
    expect(found).toHaveLength(6);
    expect(found[0]).toMatch(/^fail node: Node.js v18.19.0 is older than 20.19 \| Install Node.js 20.19/);
    expect(found).toContain('warn buildkit: no BuildKit: builds use the classic builder, and Dockerfiles with RUN --mount fail | Use Docker Engine 18.09+ on Linux (BuildKit is built in), or Docker Desktop.');
    expect(found.find((x) => x.startsWith('warn clock'))).toContain('90 s off');
    expect(found.find((x) => x.startsWith('fail credentials'))).toContain('docker-credential-desktop');
    expect(found.find((x) => x.startsWith('fail disk'))).toContain('1.0 GB free on /var/lib/docker');
    expect(found.find((x) => x.startsWith('fail ports'))).toBe('fail ports: 127.0.0.1:3000, which app publishes, is taken by another program | Stop what listens there (`lsof -i :3000` or `ss -ltnp` names it), or publish app on another port (its `ports` in devenv.yml; 0 picks a free one).');
    f.ports[0]!.holder = 'node (pid 42: node server.js)';
    expect(problems(f).find((x) => x.startsWith('fail ports'))).toBe('fail ports: 127.0.0.1:3000, which app publishes, is taken by node (pid 42: node server.js) | Stop it, or publish app on another port (its `ports` in devenv.yml; 0 picks a free one).');
  });

  it('a port the project\'s own container holds is fine', () => {
    const f = healthy();
    f.ports[0] = { port: 3000, service: 'app', free: false, ours: true };
    expect(problems(f)).toEqual([]);
  });
});
