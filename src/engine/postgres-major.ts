/**
 * A Postgres data folder opens only with the major version that initialised it. devenv labels each
 * database volume with the major version of the image that made it, and refuses, before starting
 * anything, an image of another major on it; a volume made before the label existed is caught when
 * Postgres refuses to start, from its own message.
 */
import type { PostgresService } from '../config/project.js';
import { DevenvError } from '../errors.js';

/** The major version an image reference names in its tag (postgres:15, postgis/postgis:16-3.4, …:15.1.0). */
export function postgresMajor(image: string): string | undefined {
  const withoutDigest = image.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  return /^(\d+)(?:[.\-_]|$)/.exec(withoutDigest.slice(colon + 1))?.[1];
}

/** Postgres' own words when the data folder is of another major version. */
export function majorFromStartupLog(lines: string[]): { data: string; server: string } | undefined {
  for (const line of lines) {
    const m = /initialized by PostgreSQL version (\d+), which is not compatible with this version (\d+)/.exec(line);
    if (m) return { data: m[1]!, server: m[2]! };
  }
  return undefined;
}

/** planned: found by the plan (nothing started yet), else from Postgres' refusal to start. */
export function majorMismatch(db: PostgresService, volume: string, data: string, server: string, planned = true): DevenvError {
  return new DevenvError('DATABASE_VERSION', `${db.name}'s data volume ${volume} was initialised by PostgreSQL ${data}, and ${db.image} runs PostgreSQL ${server}, which cannot open it; ${planned ? 'nothing was started' : 'the data is untouched'}`, {
    hint: `To keep the data: go back to a PostgreSQL ${data} image (\`version: ${data}\` under ${db.name}.postgres in devenv.yml), dump it (\`devenv exec ${db.name} pg_dumpall > dump.sql\`), then \`devenv down --volumes\`, set the new version, \`devenv up\` and load the dump. If the data can go: \`devenv down --volumes\` and \`devenv up\`.`,
  });
}
