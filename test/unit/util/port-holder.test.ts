/** Who listens on a port, read from /proc as `ss -ltnp` does: this test's own listening socket. */
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { portHolder } from '../../../src/util/port-holder.js';

describe.runIf(process.platform === 'linux')('portHolder', () => {
  it('names the process that listens on a port, with its pid and command line', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await portHolder(port)).toMatch(new RegExp(`^node \\(pid ${process.pid}: \\S*node`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // Nobody listens there any more.
    expect(await portHolder(port)).toBeUndefined();
  });
});
