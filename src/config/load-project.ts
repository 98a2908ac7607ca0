import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DevenvError } from '../errors.js';
import { checkNamesAsWritten } from './check-names.js';
import { crossCheck } from './cross-check.js';
import { DOTENV_HINT, dotenvErrorMessage, parseDotenv } from './dotenv.js';
import { resolveConfigFile } from './find-config.js';
import { interpolateDocument } from './interpolate-document.js';
import type { Vars } from './interpolate.js';
import { normalise } from './normalise.js';
import { parseYaml, readConfigText } from './parse-yaml.js';
import { append, throwProblems, type Locate, type Problem } from './problems.js';
import type { Project } from './project.js';
import { NAME_PATTERN } from './schema.js';
import { applySecrets } from './secrets.js';
import { validateConfig } from './validate.js';

export { findConfigFile } from './find-config.js';

export interface LoadOptions {
  /** -f/--file; else search cwd and its parents for devenv.yml (also accept devenv.yaml). */
  file?: string;
  cwd: string;
  /** Process environment. */
  env: Record<string, string | undefined>;
  /**
   * When true, generate missing Postgres passwords and persist them in <dir>/.devenv/secrets.json
   * (mode 0600, and write <dir>/.devenv/.gitignore containing "*"). When false, use stored ones if
   * present, else password "" with passwordGenerated true, writing nothing.
   */
  persistSecrets: boolean;
  /** -p/--project: replaces `name` (and so every name derived from it). Same pattern as `name`. */
  projectName?: string;
}

/** Variables for interpolation: `.env` beside devenv.yml, overridden by the process environment. */
function readVariables(dir: string, env: Vars, display: (file: string) => string, problems: Problem[]): Vars {
  const file = path.join(dir, '.env');
  // No prototype: "__proto__" and "constructor" are variable names like any other.
  const vars: Vars = Object.create(null) as Vars;
  if (existsSync(file) && statSync(file).isFile()) {
    const shown = display(file);
    const parsed = parseDotenv(readConfigText(file, shown));
    for (const error of parsed.errors) {
      problems.push({ path: [], file: shown, line: error.line, col: 1, message: dotenvErrorMessage(error), hint: DOTENV_HINT });
    }
    for (const entry of parsed.entries) vars[entry.key] = entry.value;
  }
  for (const [key, value] of Object.entries(env)) if (value !== undefined) vars[key] = value;
  return vars;
}

/** Reads, interpolates, validates and normalises devenv.yml. Throws one DevenvError listing every problem. */
export async function loadProject(options: LoadOptions): Promise<Project> {
  try {
    return load(options);
  } catch (error) {
    if (error instanceof DevenvError) throw error;
    // Whatever the input, the user gets a DevenvError; anything else reaching here is a bug.
    throw new DevenvError('INTERNAL', `devenv failed while loading its config: ${(error as Error).message}`, { cause: error });
  }
}

function load(options: LoadOptions): Project {
  const file = resolveConfigFile(options.file, options.cwd);
  const display = (target: string): string => path.relative(options.cwd, target) || path.basename(target);
  const shown = display(file);
  const dir = path.dirname(file);
  const problems: Problem[] = [];
  const vars = readVariables(dir, options.env, display, problems);
  const parsed = parseYaml(readConfigText(file, shown));
  const fail = (locate: Locate): never => throwProblems(problems, shown, locate);
  append(problems, parsed.problems);
  if (parsed.problems.length > 0) fail(parsed.locate);

  const interpolated = interpolateDocument(parsed.value, vars);
  append(problems, interpolated.problems);
  const validated = validateConfig(interpolated.value);
  append(problems, validated.problems);
  if (validated.config === undefined || problems.length > 0) {
    checkNamesAsWritten(interpolated.value, interpolated.envTemplates, problems);
    fail(parsed.locate);
  }
  const config = validated.config as NonNullable<typeof validated.config>;

  if (options.projectName !== undefined) {
    if (NAME_PATTERN.test(options.projectName)) config.top.name = options.projectName;
    else throw new DevenvError('USAGE', `invalid project name ${JSON.stringify(options.projectName)}`, { hint: 'use lowercase letters, digits, "_" and "-", starting with a letter or digit' });
  }
  const home = options.env.HOME;
  const context = { file, vars, envTemplates: interpolated.envTemplates, imageTemplates: interpolated.imageTemplates, passwordSources: interpolated.passwordSources, display, ...(home ? { home } : {}) };
  const project = normalise(config, context, problems);
  crossCheck(project, config, problems);
  if (problems.length > 0) fail(parsed.locate);

  try {
    applySecrets(project, options.persistSecrets);
  } catch (error) {
    if (error instanceof DevenvError) throw error;
    throw new DevenvError('CONFIG_INVALID', `cannot store generated passwords in ${path.join(dir, '.devenv')}: ${(error as Error).message}`, {
      hint: 'make the folder of devenv.yml writable, or set postgres.password',
      cause: error,
    });
  }
  return project;
}
