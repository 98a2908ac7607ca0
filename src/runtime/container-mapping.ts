/**
 * Pure translations between devenv's container types and the Engine API's.
 */
import type { ApiContainerCreate, ApiContainerInspect, ApiContainerListItem } from './engine-api.js';
import type { ContainerDetails, ContainerSpec, ContainerState, ContainerSummary, PublishedPort } from './runtime.js';

export function toCreateOptions(spec: ContainerSpec): ApiContainerCreate {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of spec.ports) {
    const key = `${port.containerPort}/${port.protocol}`;
    exposed[key] = {};
    // HostPort "" lets the engine pick a free port (devenv.yml `port: 0`).
    (bindings[key] ??= []).push({ HostIp: port.hostIp, HostPort: port.hostPort === 0 ? '' : String(port.hostPort) });
  }
  return {
    Image: spec.image,
    ...(spec.command ? { Cmd: spec.command } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    ...(spec.stopTimeoutSeconds === undefined ? {} : { StopTimeout: spec.stopTimeoutSeconds }),
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: spec.labels,
    ExposedPorts: exposed,
    Tty: spec.tty ?? false,
    AttachStdin: spec.openStdin ?? false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: spec.openStdin ?? false,
    StdinOnce: spec.openStdin ?? false,
    ...(spec.user ? { User: spec.user } : {}),
    HostConfig: {
      PortBindings: bindings,
      Mounts: spec.mounts.map((mount) => ({
        Type: mount.type,
        Source: mount.source,
        Target: mount.target,
        ReadOnly: mount.readOnly,
      })),
      RestartPolicy: {
        Name: spec.restart.policy === 'no' ? '' : spec.restart.policy,
        // The engine rejects a retry count with any policy other than on-failure.
        MaximumRetryCount: spec.restart.policy === 'on-failure' ? spec.restart.maxRestarts : 0,
      },
      Init: spec.init,
      ...(spec.network ? { NetworkMode: 'container' in spec.network ? `container:${spec.network.container}` : spec.network.name } : {}),
    },
    ...(spec.network && !('container' in spec.network)
      ? { NetworkingConfig: { EndpointsConfig: { [spec.network.name]: { Aliases: spec.network.aliases } } } }
      : {}),
  };
}

const STATES: readonly ContainerState[] = ['created', 'running', 'restarting', 'paused', 'exited', 'dead', 'removing'];

function toState(value: string): ContainerState {
  return (STATES as readonly string[]).includes(value) ? (value as ContainerState) : 'dead';
}

function toProtocol(value: string): PublishedPort['protocol'] {
  return value === 'udp' ? 'udp' : 'tcp';
}

export function summaryFromList(info: ApiContainerListItem): ContainerSummary {
  return {
    id: info.Id,
    name: (info.Names[0] ?? '').replace(/^\//, ''),
    image: info.Image,
    state: toState(info.State),
    status: info.Status,
    labels: info.Labels ?? {},
    ports: (info.Ports ?? [])
      .filter((port) => port.PublicPort)
      .map((port) => ({ hostIp: port.IP ?? '', hostPort: port.PublicPort!, containerPort: port.PrivatePort, protocol: toProtocol(port.Type) })),
    created: new Date(info.Created * 1000),
    imageId: info.ImageID,
    ...exitCodeFromStatus(info.Status),
  };
}

/** "Exited (3) 2 minutes ago" → { exitCode: 3 }. */
function exitCodeFromStatus(status: string): { exitCode?: number } {
  const match = /^Exited \((-?\d+)\)/.exec(status);
  return match ? { exitCode: Number(match[1]) } : {};
}

export function detailsFromInspect(info: ApiContainerInspect): ContainerDetails {
  const ports: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    const [containerPort, protocol] = key.split('/');
    for (const binding of bindings ?? []) {
      ports.push({ hostIp: binding.HostIp, hostPort: Number(binding.HostPort), containerPort: Number(containerPort), protocol: toProtocol(protocol ?? 'tcp') });
    }
  }
  const state = info.State;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    state: toState(state.Status),
    status: humanStatus(info),
    labels: info.Config.Labels ?? {},
    ports,
    created: new Date(info.Created),
    startedAt: Date.parse(state.StartedAt) || 0,
    env: Object.fromEntries((info.Config.Env ?? []).map((entry) => {
      const eq = entry.indexOf('=');
      return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
    })),
    exitCode: state.ExitCode,
    restartCount: info.RestartCount,
    restartPolicy: { name: info.HostConfig?.RestartPolicy?.Name ?? '', maxRetries: info.HostConfig?.RestartPolicy?.MaximumRetryCount ?? 0 },
    oomKilled: state.OOMKilled,
    error: state.Error ?? '',
    imageId: info.Image,
  };
}

/** Inspect has no "Up 3 minutes"; this says the same from the timestamps. */
function humanStatus(info: ApiContainerInspect): string {
  const state = info.State;
  if (state.Status === 'running') return `Up since ${state.StartedAt}`;
  if (state.Status === 'exited') return `Exited (${state.ExitCode}) at ${state.FinishedAt}`;
  return state.Status.charAt(0).toUpperCase() + state.Status.slice(1);
}
