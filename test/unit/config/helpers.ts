import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { rmSync } from 'node:fs';
import { DevenvError } from '../../../src/errors.js';
import { loadProject } from '../../../src/config/load-project.js';
import type { ContainerService, PostgresService, Project } from '../../../src/config/project.js';
import { tempDir } from '../../helpers/temp.js';

const created: string[] = [];
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder (named `name`) holding the given files; folders end with "/". */
export function tempProject(files: Record<string, string>, name = 'shop'): string {
  const root = tempDir('devenv-config');
  created.push(root);
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, file);
    if (file.endsWith('/')) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
  }
  return dir;
}

export interface LoadYamlOptions {
  env?: Record<string, string | undefined>;
  files?: Record<string, string>;
  persistSecrets?: boolean;
  folder?: string;
}

/** Loads `yaml` as devenv.yml of a fresh temporary folder, cwd being that folder. */
export async function loadYaml(yaml: string, options: LoadYamlOptions = {}): Promise<Project> {
  const dir = tempProject({ 'devenv.yml': yaml, ...options.files }, options.folder);
  return loadProject({ cwd: dir, env: options.env ?? {}, persistSecrets: options.persistSecrets ?? false });
}

/** The DevenvError that loading `yaml` throws (fails the test when it loads). */
export async function loadError(yaml: string, options: LoadYamlOptions = {}): Promise<DevenvError> {
  const error = await loadYaml(yaml, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DevenvError);
  return error as DevenvError;
}

/** Every problem line a user sees: the message alone, or the details when there are several. */
export async function problems(yaml: string, options: LoadYamlOptions = {}): Promise<string[]> {
  const error = await loadError(yaml, options);
  expect(error.code).toBe('CONFIG_INVALID');
  return error.details.length > 0 ? error.details.filter((line) => !line.startsWith('  hint:')) : [error.message];
}

export function container(project: Project, name: string): ContainerService {
  const service = project.services.find((s) => s.name === name);
  if (service?.kind !== 'container') throw new Error(`no container service ${name}`);
  return service;
}

export function postgres(project: Project, name: string): PostgresService {
  const service = project.services.find((s) => s.name === name);
  if (service?.kind !== 'postgres') throw new Error(`no postgres service ${name}`);
  return service;
}
