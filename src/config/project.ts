/**
 * The normalised project: what the loader produces from devenv.yml, every default filled in.
 * Everything downstream (plan, execute, CLI) reads only this, never the YAML.
 * Paths are absolute. Durations are milliseconds.
 */

export interface Project {
  /** [a-z0-9_-]+; the value of the dev.devenv.project label and the prefix of every resource name. */
  name: string;
  /** Absolute path of devenv.yml. */
  file: string;
  /** Absolute folder of devenv.yml; relative paths in the file resolve against it. */
  dir: string;
  /** In file order. */
  services: Service[];
  /** In file order; they run in this order. */
  migrations: Migration[];
}

export type Service = PostgresService | ContainerService | ProcessService;

/** What a dependant waits for (Compose's depends_on conditions). */
export type DependencyCondition =
  | 'started' // the container started (service_started)
  | 'healthy' // it passed its readiness or health check (service_healthy; the default)
  | 'completed'; // a one-shot service exited 0 (service_completed_successfully)

export interface Dependency {
  service: string;
  condition: DependencyCondition;
}

export interface RestartSpec {
  policy: RestartPolicy;
  /** With on-failure: 0 is unlimited. */
  maxRestarts: number;
}

interface ServiceBase {
  name: string;
  /** Services that must be started (and healthy, or completed) first. */
  dependsOn: Dependency[];
  /** More names other containers reach this one by on the project network (its own name always works). */
  aliases: string[];
  restart: RestartSpec;
  /** How long a stop waits after SIGTERM (SIGINT for Postgres) before the engine kills. Default 10 s. */
  stopTimeoutMs: number;
}

export interface PostgresService extends ServiceBase {
  kind: 'postgres';
  /** e.g. "postgres:15" (from `version`) or the explicit `image`. */
  image: string;
  version: string;
  database: string;
  user: string;
  password: string;
  /** True when devenv generated the password (kept in .devenv/secrets.json). */
  passwordGenerated: boolean;
  /**
   * A generated password not saved yet: .devenv/secrets.json had none. The engine side saves it once it
   * knows no database was initialised with another one (engine/secrets-settle.ts).
   */
  passwordUnsaved?: boolean;
  /** The password as devenv.yml writes it, when it uses variables (`${DB_PASSWORD:-}`): no secret itself. */
  passwordSource?: string;
  /** Host port on 127.0.0.1; 0 = any free port (known after start). */
  hostPort: number;
  /** Absolute paths of files mounted into /docker-entrypoint-initdb.d (run once on a fresh volume). */
  init: string[];
  /** Readiness deadline. Default 60 s. */
  readyTimeoutMs: number;
  /** Undefined: the image's own (postgres). A string becomes ["sh", "-c", …]; a list starting with "-" adds server flags. */
  command?: string[];
}

export interface BuildSpec {
  /** Absolute folder sent to the engine as the build context. */
  context: string;
  /** Path of the Dockerfile relative to the context. Default "Dockerfile". */
  dockerfile: string;
  target?: string;
  args: Record<string, string>;
}

export interface PortMapping {
  /** Always 127.0.0.1. */
  hostIp: '127.0.0.1';
  /** 0 = any free port. */
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface VolumeMount {
  /** 'bind': source is an absolute host path; 'volume': source is a named volume (created and labelled by devenv). */
  type: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly: boolean;
}

/** A string that may contain references to other services' connection values. */
export type Template = TemplatePart[];
export type TemplatePart = string | ServiceRef;
export interface ServiceRef {
  service: string;
  field: RefField;
}
/** A Postgres service's connection values (in env), or a build service's image (in image). */
export type RefField = 'url' | 'host' | 'port' | 'user' | 'password' | 'database' | 'image';
/** The fields an env value may refer to. */
export const REF_FIELDS: readonly RefField[] = ['url', 'host', 'port', 'user', 'password', 'database'];

export type HealthCheck =
  | { type: 'http'; path: string; port: number; intervalMs: number; timeoutMs: number }
  | { type: 'tcp'; port: number; intervalMs: number; timeoutMs: number }
  | { type: 'command'; command: string[]; intervalMs: number; timeoutMs: number }
  /** Running is enough (no port, no check configured). */
  | { type: 'none' };

export type RestartPolicy = 'no' | 'on-failure' | 'always';

export interface ContainerService extends ServiceBase {
  kind: 'container';
  /** Set when the service is built; then `image` is the tag devenv gives the built image. */
  build?: BuildSpec;
  /** Image reference to pull (or the tag of the built image). */
  image: string;
  /** Undefined = the image's own CMD. A string command becomes ["sh", "-c", command]. */
  command?: string[];
  /** Absolute folder in the container the command runs in; undefined = the image's WORKDIR. */
  workingDir?: string;
  /** The build service whose image this one runs (`image: ${web.image}`, or the same tag): built once, never pulled. */
  buildFrom?: string;
  ports: PortMapping[];
  env: Record<string, Template>;
  volumes: VolumeMount[];
  health: HealthCheck;
  /** Runs to completion: exit 0 is success, dependants start after it, `up` does not wait for health. */
  oneshot: boolean;
}

/** A command devenv runs on the host, supervised: restarted by its policy, stopped with its process group. */
export interface ProcessService extends ServiceBase {
  kind: 'process';
  /** ["sh", "-c", process] for a string. */
  command: string[];
  /** Absolute working folder. */
  cwd: string;
  /** The host port it listens on, if any. */
  port?: number;
  /** Resolved for the host: references are 127.0.0.1 and the published port. */
  env: Record<string, Template>;
  /** http and tcp checks go to 127.0.0.1:port; a command check runs on the host. */
  health: HealthCheck;
  oneshot: boolean;
}

export type Migration = RunMigration | SqlMigration | ProcessMigration;

interface MigrationBase {
  name: string;
  /** always: on every up (the step skips what it applied). fresh: once per database, recorded in it (a seed). */
  when: 'always' | 'fresh';
}

export interface RunMigration extends MigrationBase {
  kind: 'run';
  /** The service whose image and env the one-off container uses. */
  service: string;
  /** ["sh", "-c", run] for a string. */
  command: string[];
  /** The database whose freshness a `when: fresh` step follows. */
  database?: string;
  /** Absolute host files and folders it reads (`inputs:`): their contents count among what it runs with. */
  inputs?: string[];
}

export interface SqlMigration extends MigrationBase {
  kind: 'sql';
  /** The Postgres service the files are applied to. */
  database: string;
  /** Absolute folder of .sql files, applied in lexical order. */
  dir: string;
}

/** A command run on the host (prisma migrate deploy, a seed script), with references resolved for the host. */
export interface ProcessMigration extends MigrationBase {
  kind: 'process';
  command: string[];
  /** Absolute working folder. */
  cwd: string;
  env: Record<string, Template>;
  /** The database whose freshness a `when: fresh` step follows. */
  database?: string;
  /** Absolute files and folders it reads (`inputs:`): without them it runs on every up. */
  inputs?: string[];
}

export function findService(project: Project, name: string): Service | undefined {
  return project.services.find((s) => s.name === name);
}

/** The services an env's references (`${db.url}`…) name, each once. */
export function referredServices(env: Record<string, Template>): string[] {
  return [...new Set(Object.values(env).flatMap((t) => t.filter((p): p is ServiceRef => typeof p !== 'string').map((p) => p.service)))];
}

/** The Postgres services a migration step needs ready: its database, and those its env refers to. */
export function migrationDatabases(m: Migration): string[] {
  const refs = m.kind === 'process' ? referredServices(m.env) : [];
  return [...new Set([...(m.database ? [m.database] : []), ...refs])];
}

/** The names of the services `service` depends on. */
export function dependencyNames(service: Service): string[] {
  return service.dependsOn.map((d) => d.service);
}
