/**
 * The container runtime, as devenv needs it: the only door to the engine.
 * DockerRuntime implements it over the Engine API; unit tests of pure logic use a small in-memory fake.
 * Every method that can take long accepts an AbortSignal.
 * Errors are DevenvError (ENGINE_UNAVAILABLE, IMAGE_PULL_FAILED, IMAGE_BUILD_FAILED, PORT_IN_USE, ENGINE_ERROR).
 */

export interface EngineInfo {
  /** Where devenv connected, e.g. "unix:///var/run/docker.sock" or "tcp://127.0.0.1:2375". */
  address: string;
  serverVersion: string;
  apiVersion: string;
  /** Whether builds may use BuildKit (Engine API build version "2"). */
  buildkit: boolean;
  /** The engine runs on another machine (ssh://, tcp:// to another host): published ports are there. */
  remote: boolean;
}

/** What `devenv doctor` reads from the engine (GET /info). */
export interface EngineSystem {
  /** The engine's data folder (on its own machine). */
  rootDir: string;
  /** The engine's clock, epoch ms. */
  systemTime: number;
  cpus: number;
  memoryBytes: number;
  /** Registry mirrors it pulls through. */
  mirrors: string[];
  os: string;
}

export type ContainerState = 'created' | 'running' | 'restarting' | 'paused' | 'exited' | 'dead' | 'removing';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: ContainerState;
  /** Human status from the engine, e.g. "Up 3 minutes". */
  status: string;
  labels: Record<string, string>;
  /** Published ports. */
  ports: PublishedPort[];
  created: Date;
  /** Image ID (sha256:…) the container runs. */
  imageId: string;
  /** For an exited container, its exit code (from the engine's status). */
  exitCode?: number;
}

export interface PublishedPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface ContainerDetails extends ContainerSummary {
  /** When it last started (epoch ms); 0 when it never has. */
  startedAt: number;
  /** The container's environment (KEY → value). */
  env: Record<string, string>;
  exitCode: number;
  restartCount: number;
  /** The engine's restart policy: '' (no), always, unless-stopped, on-failure (with its retry limit; 0 = none). */
  restartPolicy: { name: string; maxRetries: number };
  /** True when the engine killed it for running out of memory. */
  oomKilled: boolean;
  /** Engine error for a container that could not start. */
  error: string;
}

export interface ResourceSummary {
  /** Network ID or volume name. */
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface ImageSummary {
  id: string;
  tags: string[];
  labels: Record<string, string>;
}

/** A network to join with the names other containers reach this one by. */
export interface NetworkEndpoint {
  name: string;
  aliases: string[];
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** Undefined: the image's own CMD. */
  command?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /**
   * Network to join, with the aliases other containers reach it by; or the network namespace of a
   * running container to share (no endpoint of its own, so no ports and no aliases).
   */
  network?: NetworkEndpoint | { container: string };
  ports: { hostIp: string; hostPort: number; containerPort: number; protocol: 'tcp' | 'udp' }[];
  mounts: { type: 'bind' | 'volume'; source: string; target: string; readOnly: boolean }[];
  restart: { policy: 'no' | 'on-failure' | 'always'; maxRestarts: number };
  /** Run an init process as PID 1 so signals reach the app (docker run --init). */
  init: boolean;
  /** Working directory inside the container; undefined = the image's. */
  workingDir?: string;
  /** Seconds a stop waits before killing, kept by the engine so a label-only `down` honours it. */
  stopTimeoutSeconds?: number;
  /** User (and group) the command runs as, e.g. "1000:1000"; undefined = the image's. */
  user?: string;
  /** Allocate a TTY (an interactive `devenv run`). */
  tty?: boolean;
  /** Keep stdin open for an attach (an interactive `devenv run`). */
  openStdin?: boolean;
}

export interface BuildRequest {
  /** Absolute folder; packed as a tar honouring .dockerignore. */
  context: string;
  /** Relative to context. */
  dockerfile: string;
  target?: string;
  args: Record<string, string>;
  tag: string;
  labels: Record<string, string>;
  /** Use BuildKit (Engine API version "2"). */
  buildkit: boolean;
}

/** Progress of a pull, summed over layers. */
export interface PullProgress {
  image: string;
  /** Bytes downloaded so far / total bytes known so far (0 when unknown). */
  current: number;
  total: number;
  /** Last status line, e.g. "Downloading", "Pull complete". */
  status: string;
}

export interface LogOptions {
  follow: boolean;
  /** How many past lines to include (undefined = all). */
  tail?: number | undefined;
  /** Only lines written from then on: epoch ms. */
  since?: number | undefined;
  signal?: AbortSignal;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

/** The terminal (or pipes) an interactive exec or run talks to. */
export interface TerminalIo {
  /** undefined: the process gets no stdin (it reads end-of-file). */
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** A TTY: output comes as one raw stream, and the size follows the terminal's. */
  tty: boolean;
  /** The terminal's size now. */
  size?: () => { rows: number; columns: number };
  /** Calls listener whenever the terminal's size changes; returns a function that stops it. */
  onResize?: (listener: () => void) => () => void;
}

export interface ExecRequest {
  command: string[];
  env?: Record<string, string>;
  user?: string;
  workdir?: string;
}

export interface Runtime {
  /** Connects and reads the engine's version; throws ENGINE_UNAVAILABLE naming the address tried. */
  info(): Promise<EngineInfo>;

  /** The engine's system facts (data folder, clock, mirrors), for `devenv doctor`. */
  system(): Promise<EngineSystem>;

  /** Containers (running or not) carrying all the given labels. */
  listContainers(labels: Record<string, string>): Promise<ContainerSummary[]>;
  listNetworks(labels: Record<string, string>): Promise<ResourceSummary[]>;
  listVolumes(labels: Record<string, string>): Promise<ResourceSummary[]>;
  listImages(labels: Record<string, string>): Promise<ImageSummary[]>;

  /** The labels of the container, network or volume with exactly this name; undefined when none has it. */
  labelsByName(kind: 'container' | 'network' | 'volume', name: string): Promise<Record<string, string> | undefined>;

  createNetwork(name: string, labels: Record<string, string>): Promise<string>;
  /** Removes a network; a network already gone is not an error. */
  removeNetwork(idOrName: string): Promise<void>;
  createVolume(name: string, labels: Record<string, string>): Promise<void>;
  /** A volume already gone is not an error. */
  removeVolume(name: string): Promise<void>;

  /** The image ID if the engine has this reference locally. */
  imageId(ref: string): Promise<string | undefined>;
  pullImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal): Promise<void>;
  /** Builds and tags; returns the image ID. onLine gets build output line by line. */
  buildImage(request: BuildRequest, onLine: (line: string) => void, signal?: AbortSignal): Promise<string>;
  /** An image already gone is not an error. */
  removeImage(ref: string): Promise<void>;
  /** Gives an image another name (repository:tag). */
  tagImage(source: string, target: string): Promise<void>;
  /** Pushes a tag to its registry, with the credentials docker login stored. */
  pushImage(ref: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<void>;

  /** Creates (does not start); returns the container ID. */
  createContainer(spec: ContainerSpec): Promise<string>;
  /** Starts; a host port already taken throws PORT_IN_USE naming the port. */
  startContainer(id: string): Promise<void>;
  /** Stops with SIGTERM (or the image's stop signal), then kills after timeoutSeconds (default: the container's own). Already stopped is fine. */
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  /** Forced removal (kills if running); already gone is fine. */
  removeContainer(id: string): Promise<void>;
  inspectContainer(id: string): Promise<ContainerDetails>;
  /** Waits for the container to exit; returns its exit code. */
  waitContainer(id: string, signal?: AbortSignal): Promise<number>;
  /**
   * The exit code of the container's last exit between `since` and `until` (ms since the epoch, by
   * the engine's clock: take them from inspect's startedAt), from the engine's event log; undefined
   * when it did not exit then. Read once a restart policy started it again: by then inspect reports
   * the new run, whose exit code is 0.
   */
  lastExitCode(id: string, window: { since: number; until: number }, signal?: AbortSignal): Promise<number | undefined>;
  /**
   * Log lines, demultiplexed. With follow, the iterable ends when the container stops or signal aborts.
   * tail: how many past lines to include (undefined = all).
   */
  logs(id: string, options: LogOptions): AsyncIterable<LogLine>;
  /** Runs a command inside a running container and collects its output. */
  exec(id: string, command: string[], signal?: AbortSignal): Promise<ExecResult>;
  /** Runs a command inside a running container wired to a terminal; resolves with its exit code. */
  execInteractive(id: string, request: ExecRequest, io: TerminalIo, signal?: AbortSignal): Promise<number>;
  /**
   * Attaches to a created container, starts it and pipes it to the terminal until it exits;
   * resolves with its exit code. An abort stops the container (its stop timeout, then a kill).
   */
  runAttached(id: string, io: TerminalIo, signal?: AbortSignal): Promise<number>;
  /** Sends a signal to the container's main process; a stopped container is fine. */
  killContainer(id: string, signal: string): Promise<void>;
}
