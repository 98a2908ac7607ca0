/**
 * Whether a migration step can be skipped: a `run:` step whose image, command, env and mounts, or a
 * `sql:` step whose files, are what they were at its last success against the same database volumes,
 * has nothing new to apply. (Compose v5 does the same for pre_start hooks.) A host `process:` step,
 * or a `run:` step whose service bind-mounts host files, always runs: devenv cannot know what it reads.
 */
import { createHash } from 'node:crypto';
import type { Migration, Project } from '../config/project.js';
import { readSqlFiles } from '../postgres/sql-files.js';
import { dataVolumeName } from './names.js';
import type { MigrationRecord } from './run-state.js';
import { desiredContainer } from './service-spec.js';

/** What a step's inputs are made of, as observed before the plan or read again after the step succeeded. */
export interface MigrationFacts {
  /** Volume name → its dev.devenv.volume-id label: a volume made again is a new database. */
  volumeIds: Record<string, string | undefined>;
  /** The image ID a container service runs, or undefined when that is not known yet (an image still to build). */
  imageId(service: string): string | undefined;
  /** `sql:` step → the hash of its folder (sqlFolderHash). */
  sqlHashes: Record<string, string>;
}

/** Why a step runs on every up, whatever it last succeeded with; undefined when it can be skipped. */
export function alwaysRuns(project: Project, m: Migration): string | undefined {
  if (m.kind === 'process') return 'a host process: runs on every up';
  if (m.kind !== 'run') return undefined;
  const service = project.services.find((s) => s.name === m.service);
  if (service?.kind === 'container' && desiredContainer(project, service).spec.mounts.some((mount) => mount.type === 'bind')) {
    return `${m.service} bind-mounts host files: runs on every up`;
  }
  return undefined;
}

/** What the step runs with, or undefined when part of that is not known (then it runs). */
export function migrationInputs(project: Project, m: Migration, facts: MigrationFacts): MigrationRecord | undefined {
  if (m.kind === 'process' || alwaysRuns(project, m)) return undefined;
  const volumes = project.services.filter((s) => s.kind === 'postgres' && (m.kind !== 'sql' || s.name === m.database)).map((s) => dataVolumeName(project.name, s.name));
  const identities = volumes.map((name) => (facts.volumeIds[name] ? `${name}@${facts.volumeIds[name]}` : undefined));
  if (identities.length === 0 || identities.some((id) => id === undefined)) return undefined;
  let inputs: string | undefined;
  let parts: Record<string, string> | undefined;
  if (m.kind === 'sql') inputs = facts.sqlHashes[m.name];
  else {
    const service = project.services.find((s) => s.name === m.service);
    const imageId = service?.kind === 'container' ? facts.imageId(service.name) : undefined;
    if (service?.kind !== 'container' || !imageId) return undefined;
    const { spec } = desiredContainer(project, service);
    inputs = hash([imageId, m.command, spec.env, spec.mounts, m.when]);
    parts = { image: hash(imageId), command: hash(m.command), env: hash(spec.env), mounts: hash(spec.mounts), when: hash(m.when ?? null) };
  }
  return inputs === undefined ? undefined : { inputs, volumes: identities.join(','), ...(parts ? { parts } : {}) };
}

/** Why a step whose inputs differ from its last success runs: what changed, when the records say. */
export function inputsChange(now: MigrationRecord | undefined, last: MigrationRecord | undefined): string | undefined {
  if (!now || !last) return undefined;
  if (now.volumes !== last.volumes) return 'a new database volume since its last success';
  if (now.parts && last.parts) {
    const changed = Object.keys(now.parts).filter((k) => now.parts![k] !== last.parts![k]);
    if (changed.length > 0) return `its ${changed.join(', ')} changed since its last success`;
  }
  return now.inputs !== last.inputs ? (now.parts ? 'its inputs changed since its last success' : 'its SQL files changed since their last success') : undefined;
}

/** A `sql:` step's folder as one hash of its file names and contents; undefined when it cannot be read (the step reports that when it runs). */
export async function sqlFolderHash(m: Migration): Promise<string | undefined> {
  if (m.kind !== 'sql') return undefined;
  const files = await readSqlFiles(m.name, m.dir).catch(() => undefined);
  return files && createHash('sha256').update(files.map((f) => `${f.file}:${f.checksum}`).join('\n')).digest('hex');
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}
