/** devenv doctor against the real engine: a clean bill, then a taken port with its fix. */
import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devenv, freePort } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const servers: Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

describe('devenv doctor', () => {
  it('reports the engine, BuildKit, the clock, disk and free ports, and exits 0; a taken port fails with its fix', async () => {
    const dir = tempDir('doctor');
    const port = await freePort();
    writeFileSync(join(dir, 'devenv.yml'), `services:\n  web:\n    image: busybox\n    ports: ["${port}:80"]\n`);
    const ok = await devenv(['doctor'], { cwd: dir });
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^✔ engine: Docker \S+ \(API 1\.\d+\) at /m);
    expect(ok.stdout).toMatch(/^✔ clock: /m);
    expect(ok.stdout).toMatch(/^✔ disk: [\d.]+ GB free on /m);
    expect(ok.stdout).toContain(`✔ ports: 127.0.0.1:${port} (web) is free`);
    expect(ok.stdout).toContain('Nothing stands in the way of `devenv up`.');

    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const taken = await devenv(['doctor'], { cwd: dir });
    expect(taken.code).toBe(1);
    // This test's process listens there: named with its pid.
    expect(taken.stdout).toContain(`✖ ports: 127.0.0.1:${port}, which web publishes, is taken by node (pid ${process.pid}: `);
    expect(taken.stdout).toContain('    fix: Stop it, or publish web on another port');
    expect(taken.stdout).toContain('1 problem to fix before `devenv up` works.');
  });
});
