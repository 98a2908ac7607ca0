/**
 * Fixed host ports the project will publish but something else holds. Found before anything starts,
 * so a taken port fails `up` in a second instead of after the build and the migrations.
 */
import { createServer } from 'node:net';
import type { Project, Service } from '../config/project.js';
import { type ContainerSummary, type Runtime } from '../runtime/runtime.js';
import { LABELS } from './labels.js';
import { portHolder } from '../util/port-holder.js';
import { POSTGRES_PORT } from './postgres-port.js';

/** Host port → who holds it, e.g. "container demo-app (devenv project demo)" or "node (pid 1234: node server.js)". */
export type BusyPorts = Record<number, string>;

/** The host ports a service declares (0 = any free one), with their container port and protocol. */
export function declaredHostPorts(service: Service): { hostPort: number; containerPort: number; protocol: 'tcp' | 'udp' }[] {
  if (service.kind === 'postgres') return [{ hostPort: service.hostPort, containerPort: POSTGRES_PORT, protocol: 'tcp' }];
  if (service.kind === 'process') return service.port === undefined ? [] : [{ hostPort: service.port, containerPort: service.port, protocol: 'tcp' }];
  return service.ports;
}

/** ownProcessPorts: the ports of the project's running host processes, held by themselves. */
export async function busyHostPorts(runtime: Runtime, project: Project, own: ContainerSummary[], ownProcessPorts: number[] = []): Promise<BusyPorts> {
  const ours = new Set([...own.flatMap((c) => c.ports.map((p) => p.hostPort)), ...ownProcessPorts]);
  const wanted = project.services
    .flatMap((s) => declaredHostPorts(s).filter((p) => p.protocol === 'tcp').map((p) => p.hostPort))
    .filter((port) => port > 0 && !ours.has(port));
  const taken = (await Promise.all(wanted.map(async (port) => ((await canBind(port)) ? undefined : port)))).filter((p) => p !== undefined);
  if (taken.length === 0) return {};
  const everyone = await runtime.listContainers({});
  const busy: BusyPorts = {};
  for (const port of taken) {
    const holder = everyone.find((c) => c.ports.some((p) => p.hostPort === port));
    const owner = holder?.labels[LABELS.project];
    busy[port] = holder
      ? owner ? `container ${holder.name} (devenv project ${owner})` : `container ${holder.name}`
      : (await portHolder(port)) ?? 'another program (`lsof -i :' + port + '` or `ss -ltnp` names it)';
  }
  return busy;
}

export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    // Only a port in use counts as taken. EACCES (a port below 1024 for a non-root user) is the
    // engine's business: it binds as root.
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'EADDRINUSE'));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
