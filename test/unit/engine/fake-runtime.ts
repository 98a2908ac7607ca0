/**
 * An in-memory Runtime for unit tests of the executor's side effects: what a failure tears down,
 * which containers and volumes stay, what is started when. Containers "run" a scripted behaviour:
 * by default they keep running (a one-shot's exits 0); `exits` makes one exit with a code as soon as it starts.
 * It is no proof that anything works against an engine: the integration and e2e tests are.
 */
import { DevenvError } from '../../../src/errors.js';
import type {
  BuildRequest, ContainerDetails, ContainerSpec, ContainerSummary, EngineInfo, EngineSystem, ExecResult, ImageSummary, LogLine,
  PullProgress, ResourceSummary, Runtime,
} from '../../../src/runtime/runtime.js';

interface FakeContainer {
  id: string;
  spec: ContainerSpec;
  state: ContainerDetails['state'];
  exitCode: number;
  created: Date;
  /** The image ID its tag pointed at when it was created. */
  imageId: string;
  logs: string[];
}

const matches = (labels: Record<string, string>, wanted: Record<string, string>) => Object.entries(wanted).every(([k, v]) => labels[k] === v);

export class FakeRuntime implements Runtime {
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, ResourceSummary>();
  readonly volumes = new Map<string, ResourceSummary>();
  readonly images = new Map<string, ImageSummary>();
  /** Every call, in order: "create demo-app", "start demo-app", "remove demo-db", … */
  readonly calls: string[] = [];
  /** Container name → the exit code it exits with when started. */
  readonly exits = new Map<string, number>();
  /** Service → build fails with this message. */
  readonly failingBuilds = new Map<string, string>();
  /** A build of a tag gives the image the tag already has (nothing the image holds changed). */
  sameBuilds = false;
  /**
   * How many network removals still find the endpoint of a container that has just stopped, as
   * engines before 23 do for a moment after answering the stop.
   */
  lingeringEndpoints = 0;
  private seq = 0;

  async info(): Promise<EngineInfo> {
    return { address: 'fake://', serverVersion: '0', apiVersion: '1.41', buildkit: false, remote: false };
  }

  async system(): Promise<EngineSystem> {
    return { rootDir: '/var/lib/docker', systemTime: Date.now(), cpus: 2, memoryBytes: 2 ** 31, mirrors: [], os: 'fake' };
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    return [...this.containers.values()].filter((c) => matches(c.spec.labels, labels)).map((c) => this.summary(c));
  }

  async listNetworks(labels: Record<string, string>): Promise<ResourceSummary[]> {
    return [...this.networks.values()].filter((n) => matches(n.labels, labels));
  }

  async listVolumes(labels: Record<string, string>): Promise<ResourceSummary[]> {
    return [...this.volumes.values()].filter((v) => matches(v.labels, labels));
  }

  async listImages(labels: Record<string, string>): Promise<ImageSummary[]> {
    return [...this.images.values()].filter((i) => matches(i.labels, labels));
  }

  async labelsByName(kind: 'container' | 'network' | 'volume', name: string): Promise<Record<string, string> | undefined> {
    if (kind === 'network') return this.networks.get(name)?.labels;
    if (kind === 'volume') return this.volumes.get(name)?.labels;
    return [...this.containers.values()].find((c) => c.spec.name === name)?.spec.labels;
  }

  async createNetwork(name: string, labels: Record<string, string>): Promise<string> {
    this.calls.push(`create network ${name}`);
    this.networks.set(name, { id: `n-${name}`, name, labels });
    return `n-${name}`;
  }

  async removeNetwork(idOrName: string): Promise<void> {
    const found = [...this.networks.values()].find((n) => n.id === idOrName || n.name === idOrName);
    // Like the engine: a stopped container keeps no endpoint, so only a running one holds the network.
    if (found && [...this.containers.values()].some((c) => c.state === 'running' && c.spec.network && 'name' in c.spec.network && c.spec.network.name === found.name)) {
      throw new DevenvError('ENGINE_ERROR', `network ${found.name} has active endpoints`);
    }
    if (found && this.lingeringEndpoints > 0) {
      this.lingeringEndpoints -= 1;
      throw new DevenvError('ENGINE_ERROR', `removing network ${found.name}: error while removing network: network ${found.name} id ${found.id} has active endpoints (HTTP 403)`);
    }
    this.calls.push(`remove network ${found?.name ?? idOrName}`);
    if (found) this.networks.delete(found.name);
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    this.calls.push(`create volume ${name}`);
    this.volumes.set(name, { id: name, name, labels });
  }

  async removeVolume(name: string): Promise<void> {
    this.calls.push(`remove volume ${name}`);
    this.volumes.delete(name);
  }

  async imageId(ref: string): Promise<string | undefined> {
    return [...this.images.values()].find((i) => i.tags.includes(ref))?.id ?? (ref.startsWith('pulled/') ? undefined : `sha256:${ref}`);
  }

  async pullImage(ref: string, onProgress: (p: PullProgress) => void): Promise<void> {
    this.calls.push(`pull ${ref}`);
    onProgress({ image: ref, current: 1, total: 1, status: 'done' });
  }

  async buildImage(request: BuildRequest): Promise<string> {
    const service = request.labels['dev.devenv.service'] ?? '';
    this.calls.push(`build ${service}`);
    const failure = this.failingBuilds.get(service);
    if (failure) throw new DevenvError('IMAGE_BUILD_FAILED', failure);
    const same = this.sameBuilds ? [...this.images.values()].find((i) => i.tags.includes(request.tag))?.id : undefined;
    if (same) return same;
    const id = `sha256:built${++this.seq}`;
    for (const image of this.images.values()) image.tags = image.tags.filter((t) => t !== request.tag);
    this.images.set(id, { id, tags: [request.tag], labels: request.labels });
    return id;
  }

  async tagImage(source: string, target: string): Promise<void> {
    this.calls.push(`tag ${source} ${target}`);
  }

  async pushImage(ref: string): Promise<void> {
    this.calls.push(`push ${ref}`);
  }

  async removeImage(ref: string): Promise<void> {
    this.calls.push(`remove image ${ref}`);
    this.images.delete(ref);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    if ([...this.containers.values()].some((c) => c.spec.name === spec.name)) {
      throw new DevenvError('ENGINE_ERROR', `creating container ${spec.name}: Conflict. The container name "/${spec.name}" is already in use (HTTP 409)`);
    }
    const id = `c${++this.seq}`;
    this.calls.push(`create ${spec.name}`);
    const imageId = [...this.images.values()].find((i) => i.tags.includes(spec.image))?.id ?? '';
    this.containers.set(id, { id, spec, state: 'created', exitCode: 0, created: new Date(this.seq * 1000), imageId, logs: [`${spec.name} says hello`] });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    this.calls.push(`start ${c.spec.name}`);
    // A one-shot service's container completes (exit 0) unless told otherwise.
    const exit = this.exits.get(c.spec.name) ?? (c.spec.labels['dev.devenv.oneshot'] === 'true' ? 0 : undefined);
    if (exit === undefined) c.state = 'running';
    else {
      c.state = 'exited';
      c.exitCode = exit;
      c.logs.push(`${c.spec.name} exits with ${exit}`);
    }
  }

  async stopContainer(id: string): Promise<void> {
    const c = this.get(id);
    this.calls.push(`stop ${c.spec.name}`);
    if (c.state === 'running') Object.assign(c, { state: 'exited', exitCode: 143 });
  }

  async killContainer(id: string, signal: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.calls.push(`kill ${c.spec.name} ${signal}`);
    if (c.state === 'running') Object.assign(c, { state: 'exited', exitCode: 137 });
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.calls.push(`remove ${c.spec.name}`);
    this.containers.delete(id);
  }

  async inspectContainer(id: string): Promise<ContainerDetails> {
    const c = this.get(id);
    // Started long enough ago to count as up: the fake has no clock.
    return { ...this.summary(c), startedAt: c.state === 'running' ? 1 : 0, env: c.spec.env, exitCode: c.exitCode, restartCount: 0, restartPolicy: { name: c.spec.restart.policy === 'no' ? '' : c.spec.restart.policy, maxRetries: c.spec.restart.maxRestarts }, oomKilled: false, error: '' };
  }

  async waitContainer(id: string): Promise<number> {
    const c = this.get(id);
    if (c.state === 'running') throw new Error(`the fake cannot wait for ${c.spec.name}: it runs forever`);
    return c.exitCode;
  }

  async lastExitCode(id: string, _window?: { since: number; until: number }): Promise<number | undefined> {
    const c = this.get(id);
    return c.state === 'running' ? undefined : c.exitCode;
  }

  async *logs(id: string): AsyncIterable<LogLine> {
    for (const line of this.containers.get(id)?.logs ?? []) yield { stream: 'stdout', line };
  }

  async exec(): Promise<ExecResult> {
    return { exitCode: 0, output: '' };
  }

  async execInteractive(): Promise<number> {
    return 0;
  }

  async runAttached(id: string): Promise<number> {
    await this.startContainer(id);
    return this.get(id).exitCode;
  }

  /** Names of the containers there now, sorted. */
  names(): string[] {
    return [...this.containers.values()].map((c) => `${c.spec.name} ${c.state}`).sort();
  }

  private get(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new DevenvError('ENGINE_ERROR', `no such container ${id} (HTTP 404)`);
    return c;
  }

  private summary(c: FakeContainer): ContainerSummary {
    return {
      id: c.id,
      name: c.spec.name,
      image: c.spec.image,
      state: c.state,
      status: c.state === 'exited' ? `Exited (${c.exitCode}) 1 second ago` : c.state,
      labels: c.spec.labels,
      ports: c.spec.ports.map((p) => ({ ...p, hostPort: p.hostPort || 40000 + this.seq })),
      created: c.created,
      imageId: c.imageId,
      ...(c.state === 'exited' ? { exitCode: c.exitCode } : {}),
    };
  }
}
