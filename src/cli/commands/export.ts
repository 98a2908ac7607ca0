/**
 * `devenv export compose`: the same stack as a Compose file, for docker-compose (or `docker compose`)
 * where devenv is not installed. Generated passwords go to a marked block of the .env beside the
 * file (compose reads it), unless --secrets inline.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DevenvError } from '../../errors.js';
import { writeFileAtomic } from '../../util/devenv-dir.js';
import type { Project } from '../../config/project.js';
import { saveGeneratedPasswords } from '../../config/secrets.js';
import { loadFor, runtimeOnly } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';

export interface ExportFlags extends GlobalOptions {
  output?: string;
  secrets?: string;
  swarm?: boolean;
  registry?: string;
}

const BEGIN = '# >>> devenv export compose: generated passwords (rewritten on each export)';
const END = '# <<< devenv export compose';

export async function exportCommand(target: string, flags: ExportFlags): Promise<CommandResult> {
  if (target === 'kubernetes' || target === 'k8s') return exportKubernetesCommand(flags);
  if (target !== 'compose') {
    throw new DevenvError('USAGE', `devenv cannot export to "${target}"`, { hint: 'The targets are `compose` and `kubernetes`: `devenv export compose -o compose.yml`.' });
  }
  // docker stack deploy reads no .env: a swarm file carries its passwords.
  const secrets = flags.swarm ? 'inline' : (flags.secrets ?? 'env');
  if (flags.swarm && flags.secrets === 'env') throw new DevenvError('USAGE', '--swarm writes passwords inline: `docker stack deploy` reads no .env', { hint: 'Drop --secrets env.' });
  if (secrets !== 'env' && secrets !== 'inline') throw new DevenvError('USAGE', `--secrets must be env or inline, not ${JSON.stringify(secrets)}`);
  const project = await loadFor(flags, true);
  const toStdout = flags.output === '-';
  if (toStdout && secrets === 'env' && project.services.some((s) => s.kind === 'postgres' && s.passwordGenerated)) {
    throw new DevenvError('USAGE', 'with -o -, there is no folder to write the .env with the generated passwords to', { hint: 'Add --secrets inline, or write to a file with -o FILE.' });
  }
  const file = toStdout ? undefined : resolve(process.cwd(), flags.output ?? `${project.dir}/${flags.swarm ? 'stack' : 'compose'}.devenv.yml`);
  const outDir = file ? dirname(file) : process.cwd();
  const { exportCompose, toYaml } = await import('../../export/compose.js');
  await keepPasswords(project);
  const result = exportCompose(project, { secrets, outDir, ...(flags.swarm ? { swarm: { ...(flags.registry ? { registry: flags.registry } : {}) } } : {}) });
  const name = file ? file.split('/').pop() : 'FILE';
  const header = `# The stack of ${project.file}, exported by devenv (devenv export compose).
${flags.swarm
    ? `# Run: docker stack deploy -c ${name} STACK   (a Swarm stack; services converge by restarting: no depends_on)\n# Passwords are in this file: keep it private.\n`
    : `# Run: docker compose -f ${name} up -d   (ports on 127.0.0.1${project.migrations.some((m) => m.kind !== 'process') ? '; migrations run first, as one-shot services' : ''})\n# docker-compose 1.x builds without BuildKit: for a Dockerfile with RUN --mount, build with\n# devenv build (same image tags) or DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1 first.\n`}`;
  const notes = result.skipped.map((s) => `# not exported: ${s}\n`).join('');
  const text = `${header}${notes}${toYaml(result.compose)}`;
  for (const s of result.skipped) process.stderr.write(`warning: not exported: ${s}\n`);
  if (!file) {
    process.stdout.write(text);
    return 0;
  }
  // Passwords inline (--secrets inline, --swarm) keep the file private; else they went to .env.
  writeFileAtomic(file, text, secrets === 'inline' ? 0o600 : 0o644);
  const lines = Object.entries(result.env).map(([k, v]) => `${k}=${v}`);
  if (lines.length > 0) {
    const envFile = resolve(outDir, '.env');
    const before = existsSync(envFile) ? readFileSync(envFile, 'utf8') : '';
    const block = `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
    const start = before.indexOf(BEGIN);
    const end = before.indexOf(END);
    const after = start >= 0 && end > start ? `${before.slice(0, start)}${block}${before.slice(end + END.length).replace(/^\n/, '')}` : `${before}${before && !before.endsWith('\n') ? '\n' : ''}${block}`;
    writeFileAtomic(envFile, after);
    process.stdout.write(`Wrote ${file} and the generated passwords to ${envFile} (keep it out of version control).\n`);
    const { buildSending } = await import('../build-context-note.js');
    const image = await buildSending(project, envFile).catch(() => undefined);
    if (image) process.stderr.write(`Note: ${envFile} is in ${image}'s build context, and no .dockerignore leaves it out: every build sends the passwords to the engine, and a \`COPY . .\` puts them in the image. Add .env to .dockerignore.\n`);
  } else {
    process.stdout.write(`Wrote ${file}.\n`);
  }
  return 0;
}

/**
 * The exported stack uses the passwords devenv keeps, so exporting again gives the same file. A new
 * one is saved as `up` would (checked against the engine, when one answers, so a database devenv made
 * with a lost password is not given a new one silently).
 */
async function keepPasswords(project: Project): Promise<void> {
  const unsaved = project.services.filter((s) => s.kind === 'postgres' && s.passwordUnsaved);
  if (unsaved.length === 0) return;
  const { settleSecrets } = await import('../../engine/secrets-settle.js');
  const runtime = await runtimeOnly();
  try {
    await settleSecrets(runtime, project);
  } catch (error) {
    if (!(error instanceof DevenvError) || error.code !== 'ENGINE_UNAVAILABLE') throw error;
    saveGeneratedPasswords(project.dir, Object.fromEntries(unsaved.map((s) => [s.name, (s as { password: string }).password])));
  }
}

/** `devenv export kubernetes`: manifests (one YAML file, documents separated by ---). */
async function exportKubernetesCommand(flags: ExportFlags): Promise<CommandResult> {
  const project = await loadFor(flags, true);
  await keepPasswords(project);
  const { exportKubernetes } = await import('../../export/kubernetes.js');
  const { toYaml } = await import('../../export/compose.js');
  const result = exportKubernetes(project, {
    read: (file) => readFileSync(file, 'utf8'),
    list: (dir) => readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name),
  });
  for (const s of result.skipped) process.stderr.write(`note: ${s}\n`);
  const header = `# The stack of ${project.file}, exported by devenv (devenv export kubernetes).\n# Apply: kubectl apply -f FILE   (the Secret holds the database passwords: keep this file private)\n${result.skipped.map((s) => `# note: ${s}\n`).join('')}`;
  const text = header + result.objects.map((o) => `---\n${toYaml(o)}`).join('');
  if (flags.output === '-') {
    process.stdout.write(text);
    return 0;
  }
  const file = resolve(process.cwd(), flags.output ?? `${project.dir}/kubernetes.devenv.yml`);
  writeFileAtomic(file, text);
  process.stdout.write(`Wrote ${file}: ${result.objects.map((o) => `${o.kind as string} ${(o.metadata as { name: string }).name}`).join(', ')}.\n`);
  return 0;
}
