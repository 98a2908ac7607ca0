/**
 * The Runtime over the Docker Engine API (engine-client.ts). Every engine failure leaves here as a
 * DevenvError; the address tried is kept so "engine unavailable" can say where devenv looked.
 */
import { DevenvError } from '../errors.js';
import { portHolder } from '../util/port-holder.js';
import { detailsFromInspect, summaryFromList, toCreateOptions } from './container-mapping.js';
import { containerLogs, execInContainer, execInteractive, runAttached } from './container-io.js';
import type { ApiContainerInspect, ApiContainerListItem, ApiImage, ApiNetwork, ApiVersion, ApiVolume } from './engine-api.js';
import { resolveEngineAddress } from './engine-address.js';
import { EngineClient } from './engine-client.js';
import { engineMessage, engineUnavailable, interrupted, portInUseAddress, statusCodeOf, toDevenvError } from './engine-errors.js';
import { buildImage, pullImage, pushImage, splitReference } from './image-ops.js';
import { jsonMessages } from './json-stream.js';
import type {
  BuildRequest, ContainerDetails, ContainerSpec, ContainerSummary, EngineInfo, EngineSystem, ExecRequest, ExecResult,
  ImageSummary, LogLine, LogOptions, PullProgress, ResourceSummary, Runtime, TerminalIo,
} from './runtime.js';

/** How long info() waits for an answer before calling the engine unavailable. */
const INFO_TIMEOUT_MS = 10_000;
/** Engine API version from which /build accepts version=2 (BuildKit). */
const BUILDKIT_API = [1, 39] as const;

export function connectRuntime(env: NodeJS.ProcessEnv = process.env): DockerRuntime {
  const { address, transport, remote } = resolveEngineAddress(env);
  return new DockerRuntime(new EngineClient(transport), address, remote);
}

const labelFilters = (labels: Record<string, string>) => JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
const id = (value: string) => encodeURIComponent(value);

export class DockerRuntime implements Runtime {
  constructor(
    private readonly client: EngineClient,
    /** Shown in errors, e.g. "unix:///var/run/docker.sock". */
    readonly address: string,
    /** The engine runs on another machine. */
    readonly remote = false,
  ) {}

  async info(): Promise<EngineInfo> {
    const timeout = AbortSignal.timeout(INFO_TIMEOUT_MS);
    try {
      const version = await this.client.json<ApiVersion>('GET', '/version', { signal: timeout });
      const [major = 0, minor = 0] = version.ApiVersion.split('.').map(Number);
      const recentApi = major > BUILDKIT_API[0] || (major === BUILDKIT_API[0] && minor >= BUILDKIT_API[1]);
      return {
        address: this.address,
        serverVersion: version.Version,
        apiVersion: version.ApiVersion,
        // BuildKit ships in every Linux engine from API 1.39; Windows engines have none.
        buildkit: recentApi && version.Os === 'linux',
        remote: this.remote,
      };
    } catch (error) {
      if (timeout.aborted) throw engineUnavailable(this.address, { code: `no answer within ${INFO_TIMEOUT_MS / 1000} s` });
      throw this.error(error, 'reading the engine version');
    }
  }

  async system(): Promise<EngineSystem> {
    const info = await this.call(() => this.client.json<{ DockerRootDir?: string; SystemTime?: string; NCPU?: number; MemTotal?: number; OperatingSystem?: string; RegistryConfig?: { Mirrors?: string[] | null } }>('GET', '/info'), 'reading the engine\'s system information');
    return {
      rootDir: info.DockerRootDir ?? '',
      systemTime: Date.parse(info.SystemTime ?? '') || 0,
      cpus: info.NCPU ?? 0,
      memoryBytes: info.MemTotal ?? 0,
      mirrors: info.RegistryConfig?.Mirrors ?? [],
      os: info.OperatingSystem ?? '',
    };
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const list = await this.call(() => this.client.json<ApiContainerListItem[]>('GET', '/containers/json', { query: { all: true, filters: labelFilters(labels) } }), 'listing containers');
    return list.map(summaryFromList);
  }

  async listNetworks(labels: Record<string, string>): Promise<ResourceSummary[]> {
    const list = await this.call(() => this.client.json<ApiNetwork[]>('GET', '/networks', { query: { filters: labelFilters(labels) } }), 'listing networks');
    return list.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
  }

  async listVolumes(labels: Record<string, string>): Promise<ResourceSummary[]> {
    const { Volumes } = await this.call(() => this.client.json<{ Volumes: ApiVolume[] | null }>('GET', '/volumes', { query: { filters: labelFilters(labels) } }), 'listing volumes');
    return (Volumes ?? []).map((v) => ({ id: v.Name, name: v.Name, labels: v.Labels ?? {}}));
  }

  async listImages(labels: Record<string, string>): Promise<ImageSummary[]> {
    const list = await this.call(() => this.client.json<ApiImage[]>('GET', '/images/json', { query: { filters: labelFilters(labels) } }), 'listing images');
    return list.map((i) => ({ id: i.Id, tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'), labels: i.Labels ?? {} }));
  }

  async labelsByName(kind: 'container' | 'network' | 'volume', name: string): Promise<Record<string, string> | undefined> {
    const path = kind === 'container' ? `/containers/${id(name)}/json` : kind === 'network' ? `/networks/${id(name)}` : `/volumes/${id(name)}`;
    try {
      const found = await this.client.json<{ Name?: string; Labels?: Record<string, string> | null; Config?: { Labels?: Record<string, string> | null } }>('GET', path);
      // The engine also finds a network or container by an ID prefix; only the exact name counts.
      if (found.Name !== undefined && found.Name.replace(/^\//, '') !== name) return undefined;
      return (kind === 'container' ? found.Config?.Labels : found.Labels) ?? {};
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw this.error(error, `looking up ${kind} ${name}`);
    }
  }

  async createNetwork(name: string, labels: Record<string, string>): Promise<string> {
    const created = await this.call(
      () => this.client.json<{ Id: string }>('POST', '/networks/create', { body: { Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true } }),
      `creating network ${name}`,
    );
    return created.Id;
  }

  async removeNetwork(idOrName: string): Promise<void> {
    await this.tolerate(() => this.client.json('DELETE', `/networks/${id(idOrName)}`), [404], `removing network ${idOrName}`);
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.call(() => this.client.json('POST', '/volumes/create', { body: { Name: name, Labels: labels } }), `creating volume ${name}`);
  }

  async removeVolume(name: string): Promise<void> {
    await this.tolerate(() => this.client.json('DELETE', `/volumes/${id(name)}`), [404], `removing volume ${name}`);
  }

  async imageId(ref: string): Promise<string | undefined> {
    try {
      return (await this.client.json<{ Id: string }>('GET', `/images/${id(ref)}/json`)).Id;
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw this.error(error, `inspecting image ${ref}`);
    }
  }

  pullImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal): Promise<void> {
    return pullImage(this.client, this.address, ref, onProgress, signal);
  }

  buildImage(request: BuildRequest, onLine: (line: string) => void, signal?: AbortSignal): Promise<string> {
    return buildImage(this.client, this.address, request, onLine, signal);
  }

  async tagImage(source: string, target: string): Promise<void> {
    const { name, tag } = splitReference(target);
    await this.call(() => this.client.json('POST', `/images/${id(source)}/tag`, { query: { repo: name, tag: tag ?? 'latest' } }), `tagging image ${source} as ${target}`);
  }

  pushImage(ref: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
    return pushImage(this.client, this.address, ref, onLine, signal);
  }

  async removeImage(ref: string): Promise<void> {
    // Without force: by tag it only untags when another tag remains; an image in use stays.
    await this.tolerate(() => this.client.json('DELETE', `/images/${id(ref)}`), [404], `removing image ${ref}`);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const created = await this.call(
      () => this.client.json<{ Id: string }>('POST', '/containers/create', { query: { name: spec.name }, body: toCreateOptions(spec) }),
      `creating container ${spec.name}`,
    );
    return created.Id;
  }

  async startContainer(containerId: string): Promise<void> {
    try {
      // 304 (already running) is not an error status: the client returns it as success.
      await this.client.json('POST', `/containers/${id(containerId)}/start`);
    } catch (error) {
      const port = statusCodeOf(error) === undefined ? undefined : portInUseAddress(engineMessage(error));
      if (port !== undefined) {
        // Taken between the plan's check and this start: say by whom, when this machine can tell.
        const holder = await this.holderOf(Number(/(\d+)$/.exec(port)?.[1]));
        throw new DevenvError('PORT_IN_USE', `port ${port} is already in use${holder ? ` by ${holder}` : ''}`, {
          hint: 'Stop what uses it, or change `port:` in devenv.yml (0 picks a free port).',
          cause: error,
        });
      }
      throw this.error(error, `starting container ${containerId}`);
    }
  }

  /** A container publishing the host port, else the program listening on it; for a container the engine's docker-proxy holds it, which says nothing. */
  private async holderOf(port: number): Promise<string | undefined> {
    const container = (await this.listContainers({}).catch(() => [])).find((c) => c.state === 'running' && c.ports.some((p) => p.hostPort === port));
    if (container) return `container ${container.name}`;
    const program = await portHolder(port);
    return program?.startsWith('docker-proxy ') ? undefined : program;
  }

  async stopContainer(containerId: string, timeoutSeconds?: number): Promise<void> {
    // 304 (already stopped) is success. Without t the engine uses the container's StopTimeout (default 10 s).
    await this.tolerate(() => this.client.json('POST', `/containers/${id(containerId)}/stop`, { query: { t: timeoutSeconds } }), [404], `stopping container ${containerId}`);
  }

  async killContainer(containerId: string, signal: string): Promise<void> {
    // 409: not running.
    await this.tolerate(() => this.client.json('POST', `/containers/${id(containerId)}/kill`, { query: { signal } }), [404, 409], `signalling container ${containerId}`);
  }

  async removeContainer(containerId: string): Promise<void> {
    // 409: "removal of container … is already in progress" (another `down`, or AutoRemove).
    await this.tolerate(() => this.client.json('DELETE', `/containers/${id(containerId)}`, { query: { force: true, v: true } }), [404, 409], `removing container ${containerId}`);
  }

  async inspectContainer(containerId: string): Promise<ContainerDetails> {
    return detailsFromInspect(await this.call(() => this.client.json<ApiContainerInspect>('GET', `/containers/${id(containerId)}/json`), `inspecting container ${containerId}`));
  }

  async waitContainer(containerId: string, signal?: AbortSignal): Promise<number> {
    const what = `waiting for container ${containerId}`;
    if (signal?.aborted) throw interrupted(signal, what);
    try {
      return (await this.client.json<{ StatusCode: number }>('POST', `/containers/${id(containerId)}/wait`, { signal })).StatusCode;
    } catch (error) {
      if (signal?.aborted) throw interrupted(signal, what);
      throw this.error(error, what);
    }
  }

  async lastExitCode(containerId: string, window: { since: number; until: number }, signal?: AbortSignal): Promise<number | undefined> {
    // An `until` in the engine's past: it answers with the events logged then and closes the stream.
    const query = { since: (window.since / 1000).toFixed(3), until: (window.until / 1000).toFixed(3), filters: JSON.stringify({ type: ['container'], container: [containerId], event: ['die'] }) };
    const events = await this.call(() => this.client.stream('GET', '/events', { query, ...(signal ? { signal } : {}) }), `reading the events of container ${containerId}`);
    let exitCode: number | undefined;
    for await (const event of jsonMessages<{ Actor?: { Attributes?: { exitCode?: string } } }>(events, signal)) {
      const code = Number(event.Actor?.Attributes?.exitCode);
      if (Number.isInteger(code)) exitCode = code;
    }
    return exitCode;
  }

  logs(containerId: string, options: LogOptions): AsyncIterable<LogLine> {
    return containerLogs(this.client, containerId, options, (error) => this.error(error, `reading the logs of container ${containerId}`));
  }

  exec(containerId: string, command: string[], signal?: AbortSignal): Promise<ExecResult> {
    const what = `running ${JSON.stringify(command.join(' '))} in container ${containerId}`;
    return execInContainer(this.client, containerId, command, signal, what, (error) => this.error(error, what));
  }

  execInteractive(containerId: string, request: ExecRequest, io: TerminalIo, signal?: AbortSignal): Promise<number> {
    const what = `running ${JSON.stringify(request.command.join(' '))} in container ${containerId}`;
    return execInteractive(this.client, containerId, request, io, signal, (error) => this.error(error, what));
  }

  runAttached(containerId: string, io: TerminalIo, signal?: AbortSignal): Promise<number> {
    return runAttached(this, this.client, containerId, io, signal, (error) => this.error(error, `running container ${containerId}`));
  }

  /** An engine call whose failure becomes a DevenvError saying what devenv was doing. */
  private async call<T>(run: () => Promise<T>, what: string): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.error(error, what);
    }
  }

  /** Runs an engine call, treating the given HTTP statuses as success. */
  private async tolerate(run: () => Promise<unknown>, statuses: number[], what: string): Promise<void> {
    try {
      await run();
    } catch (error) {
      const status = statusCodeOf(error);
      if (status !== undefined && statuses.includes(status)) return;
      throw this.error(error, what);
    }
  }

  private error(error: unknown, what: string): DevenvError {
    return toDevenvError(error, this.address, what);
  }
}
