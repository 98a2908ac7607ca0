/** Shared bits of the runtime integration tests. */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type ContainerSpec } from '../../../src/runtime/runtime.js';
import { LABELS } from '../../../src/engine/labels.js';

export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/runtime/${name}`, import.meta.url));
}

/** A busybox container spec labelled with the test's project, so removeProject finds it. */
export function busyboxSpec(project: string, name: string, overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: `${project}-${name}`,
    image: 'busybox',
    command: ['sleep', '60'],
    env: {},
    labels: { [LABELS.project]: project, [LABELS.service]: name, [LABELS.role]: 'oneoff' },
    ports: [],
    mounts: [],
    restart: { policy: 'no', maxRestarts: 0 },
    init: true,
    ...overrides,
  };
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
