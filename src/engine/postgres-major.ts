/**
 * A Postgres data folder opens only with the major version that initialised it. devenv labels each
 * database volume with the major version of the image that made it, and refuses, before starting
 * anything, an image of another major on it; a volume made before the label existed is caught when
 * Postgres refuses to start, from its own message.
 */
import { relative } from 'node:path';
import type { PostgresService } from '../config/project.js';
import { DevenvError } from '../errors.js';

/** The major version an image reference names in its tag (postgres:15, postgis/postgis:16-3.4, …:15.1.0). */
export function postgresMajor(image: string): string | undefined {
  const withoutDigest = image.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const tag = withoutDigest.slice(colon + 1);
  // Extension images name Postgres in a suffix (pgvector's 0.7.4-pg16, timescaledb's 2.14.2-pg16).
  const suffix = /(?:^|[-_])pg(\d+)(?:[.\-_]|$)/.exec(tag)?.[1];
  if (suffix) return suffix;
  const leading = /^(\d+)(?:\.(\d+))?(?:[.\-_]|$)/.exec(tag);
  if (!leading) return undefined;
  // From 10 on, the major version is one number; before, two (9.6).
  const major = Number(leading[1]);
  if (major >= 10) return leading[1];
  return major === 9 && leading[2] !== undefined ? `9.${leading[2]}` : undefined;
}

/** Postgres' own words when the data folder is of another major version. */
export function majorFromStartupLog(lines: string[]): { data: string; server: string } | undefined {
  for (const line of lines) {
    const m = /initialized by PostgreSQL version (\d+(?:\.\d+)?), which is not compatible with this version (\d+(?:\.\d+)?)/.exec(line);
    // 15.8 is major 15; 9.6.24 is major 9.6.
    const major = (v: string) => (Number(v.split('.')[0]) >= 10 ? v.split('.')[0]! : v);
    if (m) return { data: major(m[1]!), server: major(m[2]!) };
  }
  return undefined;
}

/** planned: found by the plan (nothing started yet), else from Postgres' refusal to start. */
export function majorMismatch(db: PostgresService, volume: string, data: string, server: string, planned = true): DevenvError {
  return new DevenvError('DATABASE_VERSION', `${db.name}'s data volume ${volume} was initialised by PostgreSQL ${data}, and ${db.image} runs PostgreSQL ${server}, which cannot open it; ${planned ? 'nothing was started' : 'the data is untouched'}`, {
    hint: `To keep the data: go back to a PostgreSQL ${data} image (\`version: ${data}\` under ${db.name}.postgres in devenv.yml), dump it (\`devenv exec ${db.name} pg_dumpall > dump.sql\`), then \`devenv down --volumes\`, set the new version, \`devenv up\` and load the dump. If the data can go: \`devenv down --volumes\` and \`devenv up\`.`,
  });
}

/**
 * An init file that failed, from the image's log: psql names the file as mounted
 * (/docker-entrypoint-initdb.d/001-roles.sql); devenv names it as devenv.yml does, with its line.
 */
export function initFailure(db: PostgresService, dir: string, lines: string[]): DevenvError | undefined {
  for (const line of lines) {
    const m = /psql:\/docker-entrypoint-initdb\.d\/(\d{3})-[^:]+:(\d+): (ERROR:\s+.*)$/.exec(line);
    const file = m ? db.init[Number(m[1])] : undefined;
    if (!m || !file) continue;
    const shown = relative(dir, file).startsWith('..') ? file : `./${relative(dir, file)}`;
    const exists = /database "([^"]+)" already exists/.exec(m[3]!)?.[1];
    return new DevenvError('DATABASE_NOT_READY', `${db.name}'s init file ${shown} (postgres.init[${Number(m[1])}]) failed at line ${m[2]}: ${m[3]!.replace(/^ERROR:\s+/, '')}`, {
      hint: `${exists === db.database ? `devenv creates the database "${exists}" itself (${db.name}.postgres.database): the init file must not. ` : ''}Fix the file and run \`devenv up\` again: init files run only on a new volume, and this one, never initialised, is removed.`,
    });
  }
  return undefined;
}
