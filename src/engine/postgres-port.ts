/** Where a Postgres container listens, and the host port it publishes that on: one lookup for every caller. */

/** The port Postgres listens on inside its container. */
export const POSTGRES_PORT = 5432;

/** The host port a database container publishes Postgres on; undefined when it publishes none (not running). */
export function publishedPostgresPort(ports: readonly { containerPort: number; hostPort: number }[]): number | undefined {
  return ports.find((p) => p.containerPort === POSTGRES_PORT && p.hostPort > 0)?.hostPort;
}
