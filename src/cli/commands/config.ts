import { stringify } from 'yaml';
import type { Project, Template } from '../../config/project.js';
import { renderTemplate } from '../../config/references.js';
import { loadFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../main.js';

export async function configCommand(flags: GlobalOptions & { showSecrets?: boolean }): Promise<CommandResult> {
  const project = await loadFor(flags, false);
  const shown = printable(project, Boolean(flags.showSecrets));
  process.stdout.write(flags.json ? `${JSON.stringify(shown, null, 2)}\n` : stringify(shown));
  return 0;
}

/** The project as plain data: references written back as ${svc.field}, passwords masked. */
function printable(project: Project, showSecrets: boolean): unknown {
  const text = (t: Template) => renderTemplate(t, (ref) => `\${${ref.service}.${ref.field}}`);
  return {
    ...project,
    services: project.services.map((s) =>
      s.kind === 'postgres'
        ? { ...s, password: showSecrets ? s.password : '****' }
        : { ...s, env: Object.fromEntries(Object.entries(s.env).map(([k, t]) => [k, text(t)])) },
    ),
  };
}
