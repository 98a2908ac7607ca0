/**
 * A generated database password that .devenv/secrets.json does not have (first up, or the file was
 * deleted) is saved only when no database was initialised with another one. When the database's
 * container exists, its password is the one in its environment: devenv takes it back and saves it,
 * so a deleted secrets.json never replaces a working database. When only the data volume is left,
 * the password cannot be known: devenv stops and says how to go on, and saves nothing.
 */
import type { PostgresService, Project } from '../config/project.js';
import { saveGeneratedPasswords, secretsFile } from '../config/secrets.js';
import { DevenvError } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { LABELS, serviceLabels } from './labels.js';
import { dataVolumeName } from './names.js';

/** save: false finds the password without writing (up --plan). */
export async function settleSecrets(runtime: Runtime, project: Project, options: { save?: boolean } = {}): Promise<void> {
  const unsaved = project.services.filter((s): s is PostgresService => s.kind === 'postgres' && s.passwordUnsaved === true);
  if (unsaved.length === 0) return;
  const save: Record<string, string> = {};
  for (const db of unsaved) {
    const containers = await runtime.listContainers(serviceLabels(project.name, db.name, 'service'));
    let recovered: string | undefined;
    for (const c of containers) {
      recovered ??= (await runtime.inspectContainer(c.id).catch(() => undefined))?.env.POSTGRES_PASSWORD || undefined;
    }
    if (recovered === undefined) {
      const volume = dataVolumeName(project.name, db.name);
      const labels = await runtime.labelsByName('volume', volume);
      if (labels && labels[LABELS.project] === project.name) {
        throw new DevenvError('CONFIG_INVALID', `${db.name}'s database (volume ${volume}) was created with a password devenv no longer has: ${secretsFile(project.dir)} has none for ${db.name}; nothing was changed`, {
          hint: `Restore ${secretsFile(project.dir)} from a backup, or set \`password:\` of ${db.name} in devenv.yml to the password the database was created with. If its data can go: \`devenv down --volumes\` and \`devenv up\` make a new one.`,
        });
      }
    }
    db.password = recovered ?? db.password;
    if (options.save !== false) db.passwordUnsaved = false;
    save[db.name] = db.password;
  }
  if (options.save !== false) saveGeneratedPasswords(project.dir, save);
}
