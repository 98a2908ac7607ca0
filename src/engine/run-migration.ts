/** A `run:` migration: a one-off container of the service's image, on the project network, with its env. */
import type { ContainerService, Project, RunMigration } from '../config/project.js';
import { DevenvError } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { migrationContainerName, networkName } from './names.js';
import { desiredContainer } from './service-spec.js';
import { serviceLabels } from './labels.js';

const KEEP_LINES = 40;

export async function runMigrationContainer(
  runtime: Runtime,
  project: Project,
  migration: RunMigration,
  service: ContainerService,
  signal: AbortSignal,
  onLine: (line: string) => void,
  /** Takes work that need not hold up what comes next (removing the container after a success). */
  defer: (work: Promise<unknown>) => void = (work) => void work,
): Promise<void> {
  // The service's own container spec (image, env, volumes), run once: no ports, no alias, no restart.
  const { spec } = desiredContainer(project, service);
  const id = await runtime.createContainer({
    ...spec,
    name: migrationContainerName(project.name, migration.name),
    command: migration.command,
    labels: serviceLabels(project.name, service.name, 'migration'),
    network: { name: networkName(project.name), aliases: [] },
    ports: [],
    restart: { policy: 'no', maxRestarts: 0 },
  });
  const last: string[] = [];
  let succeeded = false;
  try {
    await runtime.startContainer(id);
    const streaming = (async () => {
      for await (const { line } of runtime.logs(id, { follow: true, signal })) {
        last.push(line);
        if (last.length > KEEP_LINES) last.shift();
        onLine(line);
      }
    })().catch(() => undefined);
    const exitCode = await runtime.waitContainer(id, signal);
    await streaming;
    if (exitCode !== 0) {
      throw new DevenvError('MIGRATION_FAILED', `migration "${migration.name}" exited with code ${exitCode} (run in a one-off container of ${service.name}'s image); its last output:`, {
        details: last,
        hint: `Fix the migration, or step "${migration.name}" under \`migrations\` in devenv.yml; its output is above.`,
      });
    }
    succeeded = true;
  } finally {
    // A failure to remove must not hide why the migration failed; the next `up` removes leftovers.
    // After a success the app need not wait for the removal.
    const removal = runtime.removeContainer(id).catch(() => undefined);
    if (succeeded) defer(removal);
    else await removal;
  }
}
