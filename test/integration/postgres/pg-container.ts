/**
 * Starts a throwaway postgres:15 container for a test file, published on 127.0.0.1 at a free port.
 * The image is pulled by the global setup (test/images.txt).
 */
import type Docker from 'dockerode';
import { docker } from '../../helpers/engine.js';
import type { PgConnection } from '../../../src/postgres/connection.js';

export const IMAGE = 'postgres:15';

export interface PgContainer {
  container: Docker.Container;
  conn: PgConnection;
}

export async function startPostgres(
  project: string,
  credentials = { user: 'calsite', password: 's3cret-pw-9431', database: 'calsite' },
): Promise<PgContainer> {
  const container = await docker.createContainer({
    Image: IMAGE,
    name: `${project}-db`,
    Labels: { 'dev.devenv.project': project, 'dev.devenv.service': 'db' },
    Env: [
      `POSTGRES_USER=${credentials.user}`,
      `POSTGRES_PASSWORD=${credentials.password}`,
      `POSTGRES_DB=${credentials.database}`,
    ],
    ExposedPorts: { '5432/tcp': {} },
    HostConfig: { PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '0' }] } },
  });
  await container.start();
  const info = await container.inspect();
  const binding = info.NetworkSettings.Ports['5432/tcp']?.[0];
  if (!binding) throw new Error(`no published port for 5432/tcp on ${info.Name}`);
  return { container, conn: { host: '127.0.0.1', port: Number(binding.HostPort), ...credentials } };
}
