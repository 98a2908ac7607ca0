/**
 * Every label devenv puts on what it creates, in one place. devenv finds its resources by these
 * labels, never by name, and never touches a resource without the project's label.
 */
export const LABELS = {
  /** The project: on every container, network, volume and built image. */
  project: 'dev.devenv.project',
  /** The devenv.yml service a container or built image belongs to. */
  service: 'dev.devenv.service',
  /** What a container is for: a ContainerRole. */
  role: 'dev.devenv.role',
  /** A service container's kind: 'postgres' or 'container'. */
  kind: 'dev.devenv.kind',
  /** Hash of a service container's config: unchanged means the container is reused. */
  configHash: 'dev.devenv.config-hash',
  /** One short hash per config field, so a changed container can say which field changed. */
  configFields: 'dev.devenv.config-fields',
  /**
   * Hash of the build context + Dockerfile + args, on images built before devenv kept it in
   * .devenv/builds.json. Read, no longer written: a label makes every build a new image.
   */
  contextHash: 'dev.devenv.context-hash',
  /** Absolute path of the devenv.yml that created the resource (informational). */
  configFile: 'dev.devenv.config-file',
  /** The devenv version that created the resource. */
  version: 'dev.devenv.version',
  /** A service's health check as JSON, so `ps` can check it from labels alone. */
  health: 'dev.devenv.health',
  /** A random ID on each volume devenv creates: a volume removed and made again under the same name is another database. */
  volumeId: 'dev.devenv.volume-id',
  /** On a database volume: the Postgres major version of the image that initialised it. */
  postgresMajor: 'dev.devenv.postgres-major',
  /** On a database volume: the user Postgres was initialised with (not the password: that is a secret). */
  postgresUser: 'dev.devenv.postgres-user',
  /** On a database volume: a hash of the postgres.init files it was made with (engine/init-files.ts). */
  initHash: 'dev.devenv.init-hash',
  /** "true" on a one-shot service's container: exit 0 is success. */
  oneshot: 'dev.devenv.oneshot',
} as const;

/** What a container is for. */
export type ContainerRole =
  | 'service' // a long-running (or one-shot) service of devenv.yml
  | 'migration' // a one-off container running a `run:` migration
  | 'oneoff'; // a `devenv run` container

export function projectLabels(project: string): Record<string, string> {
  return { [LABELS.project]: project };
}

export function serviceLabels(project: string, service: string, role: ContainerRole): Record<string, string> {
  return { [LABELS.project]: project, [LABELS.service]: service, [LABELS.role]: role };
}
