/**
 * The Runtime over dockerode. Every engine failure leaves here as a DevenvError; the address
 * tried is kept so "engine unavailable" can say where devenv looked.
 */
import Docker from 'dockerode';
import { DevenvError } from '../errors.js';
import { detailsFromInspect, summaryFromList, toCreateOptions } from './container-mapping.js';
import { resolveEngineAddress } from './engine-address.js';
import { engineMessage, engineUnavailable, interrupted, portInUseAddress, statusCodeOf, toDevenvError } from './engine-errors.js';
import { buildImage, pullImage } from './image-ops.js';
import { containerLogs, execInContainer } from './container-io.js';
import type {
  BuildRequest, ContainerDetails, ContainerSpec, ContainerSummary, EngineInfo, ExecResult,
  ImageSummary, LogLine, PullProgress, ResourceSummary, Runtime,
} from './runtime.js';

/** How long info() waits for an answer before calling the engine unavailable. */
const INFO_TIMEOUT_MS = 10_000;
/** Engine API version from which /build accepts version=2 (BuildKit). */
const BUILDKIT_API = [1, 39] as const;

export function connectRuntime(env: NodeJS.ProcessEnv = process.env): DockerRuntime {
  const { address, options } = resolveEngineAddress(env);
  return new DockerRuntime(new Docker(options), address);
}

const labelFilters = (labels: Record<string, string>) => ({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });

export class DockerRuntime implements Runtime {
  constructor(
    private readonly docker: Docker,
    /** Shown in errors, e.g. "unix:///var/run/docker.sock". */
    readonly address: string,
  ) {}

  async info(): Promise<EngineInfo> {
    const timeout = AbortSignal.timeout(INFO_TIMEOUT_MS);
    try {
      // dockerode accepts options here; its typings do not say so.
      const version = await (this.docker.version as (opts: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion>)
        .call(this.docker, { abortSignal: timeout });
      const [major = 0, minor = 0] = version.ApiVersion.split('.').map(Number);
      const recentApi = major > BUILDKIT_API[0] || (major === BUILDKIT_API[0] && minor >= BUILDKIT_API[1]);
      return {
        address: this.address,
        serverVersion: version.Version,
        apiVersion: version.ApiVersion,
        // BuildKit ships in every Linux engine from API 1.39; Windows engines have none.
        buildkit: recentApi && version.Os === 'linux',
      };
    } catch (error) {
      if (timeout.aborted) throw engineUnavailable(this.address, { code: `no answer within ${INFO_TIMEOUT_MS / 1000} s` });
      throw this.error(error, 'reading the engine version');
    }
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    try {
      return (await this.docker.listContainers({ all: true, filters: labelFilters(labels) })).map(summaryFromList);
    } catch (error) {
      throw this.error(error, 'listing containers');
    }
  }

  async listNetworks(labels: Record<string, string>): Promise<ResourceSummary[]> {
    try {
      const networks = await this.docker.listNetworks({ filters: labelFilters(labels) });
      return networks.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
    } catch (error) {
      throw this.error(error, 'listing networks');
    }
  }

  async listVolumes(labels: Record<string, string>): Promise<ResourceSummary[]> {
    try {
      const { Volumes } = await this.docker.listVolumes({ filters: labelFilters(labels) });
      return (Volumes ?? []).map((v) => ({ id: v.Name, name: v.Name, labels: v.Labels ?? {} }));
    } catch (error) {
      throw this.error(error, 'listing volumes');
    }
  }

  async listImages(labels: Record<string, string>): Promise<ImageSummary[]> {
    try {
      const images = await this.docker.listImages({ filters: labelFilters(labels) });
      return images.map((i) => ({ id: i.Id, tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'), labels: i.Labels ?? {} }));
    } catch (error) {
      throw this.error(error, 'listing images');
    }
  }

  async createNetwork(name: string, labels: Record<string, string>): Promise<string> {
    try {
      return (await this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true })).id;
    } catch (error) {
      throw this.error(error, `creating network ${name}`);
    }
  }

  async removeNetwork(idOrName: string): Promise<void> {
    await this.tolerate(() => this.docker.getNetwork(idOrName).remove(), [404], `removing network ${idOrName}`);
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    try {
      await this.docker.createVolume({ Name: name, Labels: labels });
    } catch (error) {
      throw this.error(error, `creating volume ${name}`);
    }
  }

  async removeVolume(name: string): Promise<void> {
    await this.tolerate(() => this.docker.getVolume(name).remove(), [404], `removing volume ${name}`);
  }

  async imageId(ref: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Id;
    } catch (error) {
      if (statusCodeOf(error) === 404) return undefined;
      throw this.error(error, `inspecting image ${ref}`);
    }
  }

  pullImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal): Promise<void> {
    return pullImage(this.docker, this.address, ref, onProgress, signal);
  }

  buildImage(request: BuildRequest, onLine: (line: string) => void, signal?: AbortSignal): Promise<string> {
    return buildImage(this.docker, this.address, request, onLine, signal);
  }

  async removeImage(ref: string): Promise<void> {
    // Without force: by tag it only untags when another tag remains; an image in use stays.
    await this.tolerate(() => this.docker.getImage(ref).remove(), [404], `removing image ${ref}`);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    try {
      return (await this.docker.createContainer(toCreateOptions(spec))).id;
    } catch (error) {
      throw this.error(error, `creating container ${spec.name}`);
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (error) {
      if (statusCodeOf(error) === 304) return; // already running
      const port = statusCodeOf(error) === undefined ? undefined : portInUseAddress(engineMessage(error));
      if (port !== undefined) {
        throw new DevenvError('PORT_IN_USE', `port ${port} is already in use`, {
          hint: 'Stop what uses it, or change `port:` in devenv.yml (0 picks a free port).',
          cause: error,
        });
      }
      throw this.error(error, `starting container ${id}`);
    }
  }

  async stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    // 304: already stopped. Without t the engine uses the container's StopTimeout (default 10 s).
    const options = timeoutSeconds === undefined ? {} : { t: timeoutSeconds };
    await this.tolerate(() => this.docker.getContainer(id).stop(options), [304], `stopping container ${id}`);
  }

  async removeContainer(id: string): Promise<void> {
    // 409: "removal of container … is already in progress" (another `down`, or AutoRemove).
    await this.tolerate(() => this.docker.getContainer(id).remove({ force: true, v: true }), [404, 409], `removing container ${id}`);
  }

  async inspectContainer(id: string): Promise<ContainerDetails> {
    try {
      return detailsFromInspect(await this.docker.getContainer(id).inspect());
    } catch (error) {
      throw this.error(error, `inspecting container ${id}`);
    }
  }

  async waitContainer(id: string, signal?: AbortSignal): Promise<number> {
    const what = `waiting for container ${id}`;
    if (signal?.aborted) throw interrupted(signal, what);
    try {
      const result = (await this.docker.getContainer(id).wait({ abortSignal: signal })) as { StatusCode: number };
      return result.StatusCode;
    } catch (error) {
      if (signal?.aborted) throw interrupted(signal, what);
      throw this.error(error, what);
    }
  }

  logs(id: string, options: { follow: boolean; tail?: number; signal?: AbortSignal }): AsyncIterable<LogLine> {
    return containerLogs(this.docker.getContainer(id), options, (error) => this.error(error, `reading the logs of container ${id}`));
  }

  exec(id: string, command: string[], signal?: AbortSignal): Promise<ExecResult> {
    const what = `running ${JSON.stringify(command.join(' '))} in container ${id}`;
    return execInContainer(this.docker.getContainer(id), command, signal, what, (error) => this.error(error, what));
  }

  /** Runs an engine call, treating the given HTTP statuses as success. */
  private async tolerate(call: () => Promise<unknown>, statuses: number[], what: string): Promise<void> {
    try {
      await call();
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
