import { stringify } from 'yaml';
import type { Project, Template } from '../../config/project.js';
import { renderTemplate } from '../../config/references.js';
import { projectToConfig } from '../../config/to-config.js';
import { loadFor } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';

interface ConfigFlags extends GlobalOptions {
  showSecrets?: boolean;
  services?: boolean;
}

/**
 * devenv.yml with every default filled in (it loads back to the same project), the service names
 * (--services), or the normalised model for tools (--json).
 */
export async function configCommand(flags: ConfigFlags): Promise<CommandResult> {
  const project = await loadFor(flags, false);
  const showSecrets = Boolean(flags.showSecrets);
  if (flags.services) process.stdout.write(project.services.map((s) => `${s.name}\n`).join(''));
  else if (flags.json) process.stdout.write(`${JSON.stringify(model(project, showSecrets), null, 2)}\n`);
  else process.stdout.write(`# devenv config: ${project.file} with every default filled in\n${stringify(projectToConfig(project, { showSecrets }), { lineWidth: 0 })}`);
  return 0;
}

/** The normalised model as plain data: references written back as ${svc.field}, passwords masked. */
function model(project: Project, showSecrets: boolean): unknown {
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
