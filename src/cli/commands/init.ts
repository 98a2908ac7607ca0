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
  if (existsSync(target) && !flags.force && !flags.print) {
    throw new DevenvError('USAGE', `${target} exists already`, { hint: '`devenv init --force` replaces it; `devenv init --print` shows what it would write.' });
  }
  const { propose } = await import('../../init/propose.js');
  let proposal;
  try {
    proposal = propose({
      name: flags.project ?? basename(dir),
      has: (p) => existsSync(join(dir, p)),
      read: (p) => { try { return readFileSync(join(dir, p), 'utf8'); } catch { return undefined; } },
      sqlFiles: (d) => { try { return readdirSync(join(dir, d)).filter((f) => f.endsWith('.sql') && statSync(join(dir, d, f)).isFile()); } catch { return []; } },
      files: (d) => { try { return readdirSync(resolve(dir, d)).filter((f) => statSync(resolve(dir, d, f)).isFile()); } catch { return []; } },
    });
  } catch (error) {
    throw new DevenvError('USAGE', `devenv init: ${(error as Error).message}`);
  }
  if (flags.print) {
    process.stdout.write(proposal.text);
    return 0;
  }
  // Checked as `up` will read it, beside the real one (relative paths resolve the same), before it replaces anything.
  const draft = join(dir, `.devenv-init-${process.pid}.yml`);
  writeFileAtomic(draft, proposal.text);
  try {
    const { loadProject } = await import('../../config/load-project.js');
    await loadProject({ file: draft, cwd: dir, env: process.env, persistSecrets: false });
  } catch (error) {
    rmSync(draft, { force: true });
    throw new DevenvError('INTERNAL', `devenv init wrote a devenv.yml that does not load: ${(error as Error).message}`, {
      details: proposal.text.split('\n'),
      hint: '`devenv init --print` shows it; please report this with the folder\'s Compose file or package.json.',
    });
  }
  renameSync(draft, target);
  process.stdout.write(`Wrote ${target}:\n${proposal.notes.map((n) => `  - ${n}`).join('\n')}\nCheck it, then \`devenv up\`.\n`);
  return 0;
}
