import os from 'node:os';
import path from 'node:path';
import { mismatch } from './problems.js';
import type { VolumeMount } from './project.js';

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const EXPECTED = 'a volume such as "./src:/app/src", "./conf:/etc/conf:ro" or "data:/data"';

export interface VolumeContext {
  project: string;
  dir: string;
  home?: string;
}

/** `"./host:/container[:ro]"` (bind, host path relative to devenv.yml or ~) or `"name:/container"` (named volume). */
export function parseVolume(spec: string, context: VolumeContext): { mount: VolumeMount } | { error: string } {
  const parts = spec.split(':');
  const [source, target, mode] = parts;
  if (parts.length < 2 || parts.length > 3 || !source || !target) return { error: mismatch(EXPECTED, spec) };
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') return { error: mismatch(`${EXPECTED} (mode ro or rw)`, spec) };
  if (!target.startsWith('/')) return { error: mismatch(`${EXPECTED} (the container path must be absolute)`, spec) };
  const readOnly = mode === 'ro';
  if (source.startsWith('.') || source.startsWith('/') || source === '~' || source.startsWith('~/')) {
    const home = context.home ?? os.homedir();
    const expanded = source.startsWith('~') ? path.join(home, source.slice(1)) : source;
    return { mount: { type: 'bind', source: path.resolve(context.dir, expanded), target, readOnly } };
  }
  if (!VOLUME_NAME.test(source)) return { error: mismatch(EXPECTED, spec) };
  return { mount: { type: 'volume', source: `${context.project}-${source}`, target, readOnly } };
}
