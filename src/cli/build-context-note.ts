/**
 * Whether a file devenv writes into the project (a dump, the .env of exported passwords) would go to
 * the engine with a service's build context: .dockerignore does not leave it out.
 */
import { isAbsolute, relative, sep } from 'node:path';
import type { Project } from '../config/project.js';

/** The service whose build context would send `file` (absolute) to the engine; undefined when none would. */
export async function buildSending(project: Project, file: string): Promise<string | undefined> {
  const { contextFilter } = await import('../runtime/build-context.js');
  for (const s of project.services) {
    if (s.kind !== 'container' || !s.build) continue;
    const inside = relative(s.build.context, file);
    if (inside.startsWith('..') || isAbsolute(inside)) continue;
    if ((await contextFilter(s.build.context, s.build.dockerfile))(inside.split(sep).join('/'))) return s.name;
  }
  return undefined;
}
