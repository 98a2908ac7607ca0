/** `devenv init`: writes a devenv.yml for the project in this folder, or the -f file's (see init/propose.ts), checked by loading it. */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DevenvError } from '../../errors.js';
import { writeFileAtomic } from '../../util/devenv-dir.js';
import type { CommandResult, GlobalOptions } from '../options.js';

export async function initCommand(flags: GlobalOptions & { force?: boolean; print?: boolean }): Promise<CommandResult> {
  // The project is the folder the file goes in: `-f app/devenv.yml` describes app/, whose paths the file's resolve against.
  const target = resolve(process.cwd(), flags.file ?? 'devenv.yml');
  const dir = dirname(target);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DevenvError('USAGE', `${dir} is not a folder`, { hint: `devenv init describes the project in the folder of the file it writes: create ${dir} (or give -f a path in an existing folder).` });
  }
  if (existsSync(target) && !flags.force && !flags.print) {
    throw new DevenvError('USAGE', `${target} exists already`, { hint: '`devenv init --force` replaces it; `devenv init --print` shows what it would write.' });
  }
  const [{ propose }, { parseDotenv }] = await Promise.all([import('../../init/propose.js'), import('../../config/dotenv.js')]);
  // What `up` will read beside the environment: the folder's .env.
  const dotenv = new Map<string, string>();
  const envText = existsSync(join(dir, '.env')) ? readFileSync(join(dir, '.env'), 'utf8') : '';
  for (const entry of parseDotenv(envText).entries) dotenv.set(entry.key, entry.value);
  let proposal;
  try {
    proposal = propose({
      name: flags.project ?? basename(dir),
      has: (p) => existsSync(join(dir, p)),
      read: (p) => { try { return readFileSync(join(dir, p), 'utf8'); } catch { return undefined; } },
      sqlFiles: (d) => { try { return readdirSync(join(dir, d)).filter((f) => f.endsWith('.sql') && statSync(join(dir, d, f)).isFile()); } catch { return []; } },
      files: (d) => { try { return readdirSync(resolve(dir, d)).filter((f) => statSync(resolve(dir, d, f)).isFile()); } catch { return []; } },
      env: (name) => process.env[name] ?? dotenv.get(name),
    });
  } catch (error) {
    throw new DevenvError('USAGE', `devenv init: ${(error as Error).message}`);
  }
  // Checked as `up` will read it, beside the real one (relative paths resolve the same), before it replaces anything.
  const problems = await problemsOf(proposal.text, dir);
  const listed = proposal.notes.map((n) => `  - ${n}`).join('\n');
  const found = `What init found:\n${listed}\n`;
  if (flags.print) {
    // The file alone on stdout (`init --print > devenv.yml` works); what init found, and what to fix, on stderr.
    process.stdout.write(proposal.text);
    process.stderr.write(found);
    if (problems) throw notLoading('devenv init --print printed a devenv.yml that does not load yet', problems);
    return 0;
  }
  // A working devenv.yml (--force) is not replaced by one that does not load.
  if (problems && existsSync(target)) {
    process.stdout.write(found);
    throw notLoading(`kept ${target}: the proposal does not load yet (\`devenv init --print\` shows it)`, problems);
  }
  writeFileAtomic(target, proposal.text, 0o644);
  // Written all the same: what stops it is the user's to supply (a file it names, a variable to set),
  // and the file is the place to fix the rest.
  if (problems) {
    process.stdout.write(found);
    throw notLoading(`wrote ${target}, which does not load yet`, problems);
  }
  process.stdout.write(`Wrote ${target}:\n${listed}\nCheck it, then \`devenv up\`.\n`);
  return 0;
}

/** What stops the proposal from loading, as `devenv validate` would say it of devenv.yml; undefined when it loads. */
async function problemsOf(text: string, dir: string): Promise<{ message: string; details: string[] } | undefined> {
  const draft = join(dir, `.devenv-init-${process.pid}.yml`);
  try {
    writeFileAtomic(draft, text, 0o644);
  } catch {
    return undefined; // A folder that cannot be written to (init --print in a read-only checkout): unchecked.
  }
  // Messages name the draft by its path or by its name (relative to the working folder).
  const named = (line: string) => line.replaceAll(draft, 'devenv.yml').replaceAll(basename(draft), 'devenv.yml');
  try {
    const { loadProject } = await import('../../config/load-project.js');
    await loadProject({ file: draft, cwd: dir, env: process.env, persistSecrets: false });
    return undefined;
  } catch (error) {
    const details = error instanceof DevenvError ? error.details : [];
    return { message: named((error as Error).message), details: details.map(named) };
  } finally {
    rmSync(draft, { force: true });
  }
}

function notLoading(what: string, problems: { message: string; details: string[] }): DevenvError {
  return new DevenvError('CONFIG_INVALID', `${what}: ${problems.message}`, {
    details: problems.details,
    hint: 'Fix what is listed in devenv.yml (or create the file it names, or set the variable), then `devenv validate`.',
  });
}
