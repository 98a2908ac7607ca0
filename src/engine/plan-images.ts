/** The image steps of a plan: one pull per reference, one build per built service. Pure. */
import type { Migration, Project } from '../config/project.js';
import { describeChanges } from './build-manifests.js';
import { builtImage, type ContainerDecision } from './decide.js';
import { LABELS } from './labels.js';
import type { ObservedState } from './observe.js';
import { PlanBuilder, type Plan } from './plan.js';
import type { UpOptions } from './plan-up.js';
import { imageSourceOf, type Selection } from './plan-select.js';

/** Built service → why its image is built (again) by this up; services whose image is current are absent. */
export function imageBuilds(project: Project, observed: ObservedState, options: UpOptions, selection: Selection): Map<string, string> {
  const causes = new Map<string, string>();
  for (const s of project.services) {
    if (s.kind !== 'container' || !s.build || !(selection.started.has(s.name) || selection.imageOnly.has(s.name))) continue;
    const built = builtImage(observed, s.name, s.image);
    const context = observed.contexts[s.name];
    // What the tagged image was built from: the record of the build that gave it, else (an image from
    // before the records kept it) its label.
    const record = context?.built && (context.built.imageId === undefined || context.built.imageId === built?.id) ? context.built : undefined;
    const from = record?.contextHash ?? built?.labels[LABELS.contextHash];
    const changes = record && context ? describeChanges(record.files, context.now) : '';
    const cause = options.build && selection.named.has(s.name) ? '--build'
      : !built ? 'no image built yet'
        : from === undefined ? 'no record of the build context it was built from'
          : from !== observed.contextHashes[s.name] ? `build context changed${changes ? `: ${changes}` : ''}` : undefined;
    if (cause) causes.set(s.name, cause);
  }
  return causes;
}

/** Service → the step that makes its image available (a build, or a pull), when one is needed. */
export function planImages(plan: PlanBuilder, project: Project, observed: ObservedState, builds: Map<string, string>, selection: Selection, decisions: Map<string, ContainerDecision>): Map<string, number> {
  const steps = new Map<string, number>();
  const pulls = new Map<string, number>();
  const needed = project.services.filter((s) => selection.started.has(s.name) || selection.imageOnly.has(s.name));
  // Built images first, so services sharing one find its step.
  for (const s of needed) {
    const cause = builds.get(s.name);
    if (s.kind !== 'container' || !s.build || !cause) continue;
    const context = observed.contexts[s.name];
    steps.set(s.name, plan.add({ kind: 'image.build', service: s.name, build: s.build, tag: s.image, contextHash: observed.contextHashes[s.name] ?? '', ...(context ? { manifest: context.now } : {}) }, cause));
  }
  for (const s of needed) {
    if (s.kind === 'process' || (s.kind === 'container' && s.build)) continue;
    if (s.kind === 'container' && s.buildFrom) {
      const step = steps.get(s.buildFrom);
      if (step !== undefined) steps.set(s.name, step);
      continue;
    }
    // A reused container does not need its image again.
    const decision = decisions.get(s.name);
    if (observed.localImages[s.image] || (decision?.current && decision.recreate === undefined)) continue;
    const step = pulls.get(s.image) ?? plan.add({ kind: 'image.pull', image: s.image }, 'image not present');
    pulls.set(s.image, step);
    steps.set(s.name, step);
  }
  return steps;
}

/**
 * `db reset`: the images its `run:` steps run in, made as `up` would make them (their build context
 * changed, or none is built yet). `stale`: the services with a container that runs the image built
 * before, which only `up` moves to the new one.
 */
export function planStepImages(project: Project, observed: ObservedState, steps: Migration[]): { plan: Plan; stale: string[] } {
  const byName = new Map(project.services.map((s) => [s.name, s]));
  const sourceOf = (name: string) => imageSourceOf(byName, name);
  const used = new Set(steps.flatMap((m) => (m.kind === 'run' ? [m.service, sourceOf(m.service)] : [])));
  const plan = new PlanBuilder();
  if (used.size === 0) return { plan: { project: project.name, steps: [] }, stale: [] };
  const selection: Selection = { named: new Set(), started: new Set(), imageOnly: used, migrations: true };
  const builds = imageBuilds(project, observed, {}, selection);
  planImages(plan, project, observed, builds, selection, new Map());
  const stale = project.services.filter((s) => builds.has(sourceOf(s.name)) && observed.services.get(s.name)?.container !== undefined).map((s) => s.name);
  return { plan: { project: project.name, steps: plan.steps }, stale };
}
