/** `build` and `pull`: the image steps of `up` alone, for the named services (all when none is named). */
import type { Project, Service } from '../../config/project.js';
import { DevenvError } from '../../errors.js';
import { executePlan } from '../../engine/execute.js';
import { PlanBuilder, type Plan } from '../../engine/plan.js';
import { newRunState, stepHandler } from '../../engine/step-handlers.js';
import { hashBuildContext } from '../../runtime/build-context.js';
import { connect, loadFor, loggerFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';
import { createProgress } from '../progress.js';
import { listenForInterrupts } from '../signals.js';
import { noSuchServices } from '../../config/check-names.js';

export async function buildCommand(services: string[], flags: GlobalOptions): Promise<CommandResult> {
  const project = await loadFor(flags, false);
  const chosen = choose(project, services);
  // A service running another's build is built through that one.
  const sources = new Set(chosen.flatMap((s) => (s.kind !== 'container' ? [] : s.build ? [s.name] : s.buildFrom ? [s.buildFrom] : [])));
  const skipped = chosen.filter((s) => s.kind !== 'container' || (!s.build && !s.buildFrom)).map((s) => s.name);
  const plan = new PlanBuilder();
  for (const s of project.services) {
    if (s.kind !== 'container' || !s.build || !sources.has(s.name)) continue;
    const manifest: Record<string, string> = {};
    const contextHash = await hashBuildContext(s.build, manifest).catch((error: unknown) => {
      throw new DevenvError('IMAGE_BUILD_FAILED', `cannot read the build context of ${s.name} (${s.build!.context}): ${(error as Error).message}`, {
        hint: 'Make it readable, or exclude what cannot be read in its .dockerignore.',
        cause: error,
      });
    });
    plan.add({ kind: 'image.build', service: s.name, build: s.build, tag: s.image, contextHash, manifest }, 'devenv build');
  }
  if (skipped.length > 0) process.stdout.write(`${skipped.join(', ')}: ${skipped.length === 1 ? 'uses' : 'use'} an image, nothing to build (\`devenv pull\` updates it).\n`);
  return execute(project, { project: project.name, steps: plan.steps }, flags);
}

export async function pullCommand(services: string[], flags: GlobalOptions): Promise<CommandResult> {
  const project = await loadFor(flags, false);
  const chosen = choose(project, services);
  const plan = new PlanBuilder();
  const images = new Set<string>();
  for (const s of chosen) {
    if (s.kind === 'process' || (s.kind === 'container' && (s.build || s.buildFrom))) continue;
    if (!images.has(s.image)) plan.add({ kind: 'image.pull', image: s.image }, 'devenv pull');
    images.add(s.image);
  }
  const built = chosen.filter((s) => s.kind === 'container' && (s.build || s.buildFrom)).map((s) => s.name);
  if (built.length > 0) process.stdout.write(`${built.join(', ')}: built from the project, nothing to pull (\`devenv build\` rebuilds).\n`);
  return execute(project, { project: project.name, steps: plan.steps }, flags);
}

/** `push`: the images devenv builds, to a registry (`--registry HOST[/PATH]`, or the registry their `image:` names). */
export async function pushCommand(services: string[], flags: GlobalOptions & { registry?: string }): Promise<CommandResult> {
  const project = await loadFor(flags, false);
  const built = choose(project, services).filter((s): s is Extract<Service, { kind: 'container' }> => s.kind === 'container' && s.build !== undefined);
  if (built.length === 0) {
    process.stdout.write('Nothing to push: none of these services is built by devenv (pulled images are already in a registry).\n');
    return 0;
  }
  const { pushedImage } = await import('../../export/pushed-image.js');
  const { registryOf } = await import('../../runtime/registry-auth.js');
  const { runtime } = await connect();
  const interrupts = listenForInterrupts();
  try {
    for (const s of built) {
      const target = pushedImage(s.image, flags.registry);
      if (!flags.registry && (registryOf(target).startsWith('https://index.docker.io') && !target.includes('/'))) {
        throw new DevenvError('USAGE', `${s.name}'s image ${s.image} names no registry to push to`, {
          hint: `Name one: \`devenv push --registry registry.example.com/team\` (pushed as registry.example.com/team/${s.image}), or set \`image:\` of ${s.name} to its full name.`,
        });
      }
      if (!(await runtime.imageId(s.image))) {
        throw new DevenvError('USAGE', `${s.name}'s image ${s.image} is not built yet`, { hint: `\`devenv build ${s.name}\` builds it.` });
      }
      if (target !== s.image) await runtime.tagImage(s.image, target);
      await runtime.pushImage(target, (line) => process.stdout.write(`${s.name} | ${line}\n`), interrupts.signal);
      process.stdout.write(`Pushed ${target}\n`);
    }
    return 0;
  } finally {
    interrupts.dispose();
  }
}

function choose(project: Project, services: string[]): Service[] {
  const unknown = services.filter((name) => !project.services.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw noSuchServices(unknown, project.services.map((s) => s.name), project.file);
  }
  return services.length === 0 ? project.services : project.services.filter((s) => services.includes(s.name));
}

async function execute(project: Project, plan: Plan, flags: GlobalOptions): Promise<CommandResult> {
  if (plan.steps.length === 0) return 0;
  const log = await loggerFor(project, flags);
  const { runtime, engine } = await connect(log);
  const progress = createProgress(log);
  const interrupts = listenForInterrupts();
  try {
    await progress.onPlan(plan);
    await executePlan(plan, stepHandler({ runtime, engine, project, state: newRunState() }), { signal: interrupts.signal, onEvent: progress.onEvent });
    return 0;
  } finally {
    await progress.finished();
    interrupts.dispose();
  }
}
