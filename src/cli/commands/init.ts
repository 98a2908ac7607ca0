/** `devenv init`: writes a devenv.yml for the project in this folder, or the -f file's (see init/propose.ts), checked by loading it. */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
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
  if (flags.print) {
    // The file alone on stdout (`init --print > devenv.yml` works); what init found on stderr.
    process.stdout.write(proposal.text);
    process.stderr.write(`What init found:\n${proposal.notes.map((n) => `  - ${n}`).join('\n')}\n`);
    return 0;
  }
  // Checked as `up` will read it, beside the real one (relative paths resolve the same), before it replaces anything.
  const draft = join(dir, `.devenv-init-${process.pid}.yml`);
  writeFileAtomic(draft, proposal.text, 0o644);
  try {
    const { loadProject } = await import('../../config/load-project.js');
    await loadProject({ file: draft, cwd: dir, env: process.env, persistSecrets: false });
  } catch (error) {
    rmSync(draft, { force: true });
    // The problems (file:line:column field: what is wrong), then what init found, which often says why.
    const problems = error instanceof DevenvError ? error.details.map((line) => line.replaceAll(draft, 'devenv.yml')) : [];
    throw new DevenvError('INTERNAL', `devenv init wrote a devenv.yml that does not load: ${(error as Error).message.replaceAll(draft, 'devenv.yml')}`, {
      details: [...problems, 'What init found:', ...proposal.notes.map((n) => `  - ${n}`)],
      hint: '`devenv init --print` shows the file. A value from a variable that is not set yet (see above): set it, then run init again; otherwise please report this with the folder\'s Compose file or package.json.',
    });
  }
  renameSync(draft, target);
  process.stdout.write(`Wrote ${target}:\n${proposal.notes.map((n) => `  - ${n}`).join('\n')}\nCheck it, then \`devenv up\`.\n`);
  return 0;
}
