/**
 * Whether a migration step can be skipped: a `run:` step whose image, command, env and mounts, a
 * `sql:` step whose files, or a step with `inputs:` whose files (in place of a `run:` step's image ID:
 * a rebuild for a code edit does not count), are what they were at its last success against the same
 * database volumes, has nothing new to apply. (Compose v5 does the same for
 * pre_start hooks.) Without `inputs:`, a host `process:` step, or a `run:` step whose service
 * bind-mounts host files, always runs: devenv cannot know what it reads.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
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
  /** Step → the hash of the files it reads (stepFilesHash): a `sql:` step's folder, a step's `inputs:`. */
  fileHashes: Record<string, string>;
}

/** Why a step runs on every up, whatever it last succeeded with; undefined when it can be skipped. */
export function alwaysRuns(project: Project, m: Migration): string | undefined {
  if (m.kind === 'sql' || m.inputs) return undefined;
  if (m.kind === 'process') return 'a host process without inputs: runs on every up';
  const service = project.services.find((s) => s.name === m.service);
  if (service?.kind === 'container' && desiredContainer(project, service).spec.mounts.some((mount) => mount.type === 'bind')) {
    return `${m.service} bind-mounts host files and the step names no inputs: runs on every up`;
  }
  return undefined;
}

/** What the step runs with, or undefined when part of that is not known (then it runs). */
export function migrationInputs(project: Project, m: Migration, facts: MigrationFacts): MigrationRecord | undefined {
  if (alwaysRuns(project, m)) return undefined;
  const volumes = project.services.filter((s) => s.kind === 'postgres' && (m.kind !== 'sql' || s.name === m.database)).map((s) => dataVolumeName(project.name, s.name));
  const identities = volumes.map((name) => (facts.volumeIds[name] ? `${name}@${facts.volumeIds[name]}` : undefined));
  if (identities.length === 0 || identities.some((id) => id === undefined)) return undefined;
  let inputs: string | undefined;
  let parts: Record<string, string> | undefined;
  const files = facts.fileHashes[m.name];
  if (m.kind === 'sql') inputs = files;
  else if (m.inputs && !files) return undefined;
  else if (m.kind === 'process') {
    inputs = hash([m.command, m.cwd, m.env, files, m.when]);
    parts = { command: hash(m.command), cwd: hash(m.cwd), env: hash(m.env), files: hash(files), when: hash(m.when) };
  } else {
    const service = project.services.find((s) => s.name === m.service);
    if (service?.kind !== 'container') return undefined;
    const { spec } = desiredContainer(project, service);
    // What it reads is named: an image rebuilt for a code edit does not run it again (its reference does).
    const image = m.inputs ? spec.image : facts.imageId(service.name);
    if (!image) return undefined;
    // Files and the working folder join only when set, so records of steps without them still match.
    const more: Record<string, unknown> = m.inputs ? { files, working_dir: spec.workingDir ?? null } : spec.workingDir ? { working_dir: spec.workingDir } : {};
    inputs = hash([...(m.inputs ? ['inputs'] : []), image, m.command, spec.env, spec.mounts, m.when, ...Object.values(more)]);
    parts = { image: hash(image), command: hash(m.command), env: hash(spec.env), mounts: hash(spec.mounts), when: hash(m.when ?? null), ...Object.fromEntries(Object.entries(more).map(([k, v]) => [k, hash(v)])) };
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

/**
 * One hash of the files a step reads: a `sql:` step's .sql files, or the files of its `inputs:`
 * (folders walked, without node_modules, .git and .devenv); undefined when there are none, or they
 * cannot be read (then the step runs, and reports what it cannot read).
 */
export async function stepFilesHash(m: Migration): Promise<string | undefined> {
  if (m.kind === 'sql') {
    const files = await readSqlFiles(m.name, m.dir).catch(() => undefined);
    return files && createHash('sha256').update(files.map((f) => `${f.file}:${f.checksum}`).join('\n')).digest('hex');
  }
  if (!m.inputs) return undefined;
  const digest = createHash('sha256');
  const budget = { files: MAX_INPUT_FILES, bytes: MAX_INPUT_BYTES };
  try {
    for (const [index, input] of m.inputs.entries()) {
      // Named from their input, not absolutely: the same files in a moved checkout hash the same.
      for (const file of await filesUnder(input, budget)) {
        const content = await readFile(file);
        budget.bytes -= content.length;
        if (budget.bytes < 0) return undefined;
        digest.update(`${index}:${path.relative(input, file)}\0`).update(content).update('\0');
      }
    }
  } catch {
    return undefined;
  }
  return digest.digest('hex');
}

/** Folders under an input that are not what a migration reads (`up --watch` leaves them out too). */
export const NOT_INPUTS = new Set(['node_modules', '.git', '.devenv']);
/** Past these, inputs are not what a migration reads: the step runs (hashing them every up would cost more). */
const MAX_INPUT_FILES = 10_000;
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

/**
 * A file, or the files under a folder in a stable order (what a user would not call an input left
 * out). A link to a folder is not followed (it could lead back up); a link to a file counts as that file.
 */
async function filesUnder(input: string, budget: { files: number }): Promise<string[]> {
  if (!(await stat(input)).isDirectory()) return [input];
  const entries = (await readdir(input, { withFileTypes: true })).filter((e) => !NOT_INPUTS.has(e.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
  budget.files -= entries.length;
  if (budget.files < 0) throw new Error('too many files');
  const out: string[] = [];
  for (const e of entries) {
    const full = path.join(input, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(full, budget)));
    else if (e.isFile() || (e.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isFile())) out.push(full);
  }
  return out;
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}
