/**
 * Ownership: devenv names its resources after the project, and never takes over one it did not make.
 * observe looks up each name `up` would create that no resource of the project holds; the plan
 * refuses, before anything starts, when something else has it.
 */
import { existsSync, realpathSync } from 'node:fs';
import type { Project } from '../config/project.js';
import { DevenvError } from '../errors.js';
import type { ObservedProject } from './observe-project.js';
import { LABELS } from './labels.js';
import { containerName, migrationContainerName, networkName } from './names.js';
import { desiredVolumes } from './service-spec.js';

export type NamedKind = 'container' | 'network' | 'volume';

/** A name devenv would create that a resource outside the project already has. */
export interface ForeignName {
  kind: NamedKind;
  name: string;
  /** The devenv project it belongs to, when it carries another project's label. */
  project?: string;
}

/** The names `up` of this project may create that no resource of the project has now. */
export function namesToCheck(project: Project, observed: ObservedProject): { kind: NamedKind; name: string }[] {
  const has = (list: { name: string }[], name: string) => list.some((r) => r.name === name);
  const wanted: { kind: NamedKind; name: string }[] = [];
  const containers = project.services.filter((s) => s.kind !== 'process');
  if (containers.length > 0 || project.migrations.some((m) => m.kind === 'run')) wanted.push({ kind: 'network', name: networkName(project.name) });
  for (const name of desiredVolumes(project)) wanted.push({ kind: 'volume', name });
  for (const s of containers) wanted.push({ kind: 'container', name: containerName(project.name, s.name) });
  for (const m of project.migrations) if (m.kind === 'run') wanted.push({ kind: 'container', name: migrationContainerName(project.name, m.name) });
  return wanted.filter((w) => !has(w.kind === 'network' ? observed.networks : w.kind === 'volume' ? observed.volumes : observed.containers, w.name));
}

/** Which of the looked-up names are held by something that is not this project's. */
export function foreignOf(project: string, found: { kind: NamedKind; name: string; labels: Record<string, string> | undefined }[]): ForeignName[] {
  return found
    // A `docker run` of an image devenv built carries the project's label too, but no role.
    .filter((f) => f.labels !== undefined && (f.labels[LABELS.project] !== project || (f.kind === 'container' && f.labels[LABELS.role] === undefined)))
    .map((f) => {
      const owner = f.labels![LABELS.project];
      return { kind: f.kind, name: f.name, ...(owner && owner !== project ? { project: owner } : {}) };
    });
}

export function refuseForeignNames(project: Project, foreign: ForeignName[] | undefined): void {
  if (!foreign || foreign.length === 0) return;
  const remove = { container: 'docker rm -f', network: 'docker network rm', volume: 'docker volume rm' };
  throw new DevenvError('NAME_CONFLICT', `${foreign.length === 1 ? 'a name' : 'names'} devenv would create for project "${project.name}" ${foreign.length === 1 ? 'is' : 'are'} taken by ${foreign.length === 1 ? 'a resource' : 'resources'} devenv did not create for it; nothing was changed`, {
    details: foreign.map((f) => `${f.kind} ${f.name}: ${f.project ? `belongs to devenv project "${f.project}"` : 'has no devenv label (made by hand, by Compose or by another tool)'}`),
    hint: `Give this project another name (\`name:\` in devenv.yml, or -p NAME), or remove what holds the name if it is yours to remove (${[...new Set(foreign.map((f) => `\`${remove[f.kind]} ${f.name}\``))].join(', ')}${foreign.some((f) => f.kind === 'volume') ? '; a volume may hold data: look before removing it' : ''}).`,
  });
}

/** The project's containers another devenv.yml made: a second checkout (or file) under the same name. */
export interface OtherCheckout {
  /** That devenv.yml, which still exists. */
  file: string;
  containers: string[];
}

/**
 * Containers of the project whose devenv.yml is another file that still exists. Two folders named
 * `app` get the same project name; without this, each `up` would remove or recreate the other's
 * containers as services "no longer in devenv.yml". A file that is gone is this checkout, moved.
 */
export function otherCheckoutsOf(project: Project, containers: ObservedProject['containers'], exists: (file: string) => boolean = existsSync, real: (file: string) => string = realPath): OtherCheckout[] {
  const byFile = new Map<string, string[]>();
  for (const c of containers) {
    const file = c.labels[LABELS.configFile];
    if (!file || file === project.file) continue;
    byFile.set(file, [...(byFile.get(file) ?? []), c.name]);
  }
  // The same file by another path (a link to the folder, `-f` through it) is this checkout.
  const own = real(project.file);
  return [...byFile].filter(([file]) => exists(file) && real(file) !== own).map(([file, names]) => ({ file, containers: names.sort() }));
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

export function refuseOtherCheckouts(project: Project, others: OtherCheckout[] | undefined): void {
  const [first, ...more] = others ?? [];
  if (!first) return;
  throw new DevenvError('NAME_CONFLICT', `project "${project.name}" is up from another devenv.yml: ${first.file} (${first.containers.join(', ')}); nothing was changed`, {
    details: more.map((o) => `also from ${o.file} (${o.containers.join(', ')})`),
    hint: `Two checkouts (or two files in one folder) need two project names: set \`name:\` in ${project.file} or pass -p NAME. To take the name over, run \`devenv down\` beside ${first.file} first (its data volumes stay).`,
  });
}
