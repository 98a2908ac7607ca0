/**
 * A `run:` migration: a one-off container of the service's image, with its env. It shares the network
 * namespace of the database it migrates when there is one (the same names resolve, the database answers
 * at the same address), so the engine sets up no network endpoint for it: the container starts in about
 * half the time (0.4 s against 0.95 s on the bench machine), and the migration is on every up's critical path.
 */
import type { ContainerService, Project, RunMigration } from '../config/project.js';
import { DevenvError } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';
import { migrationContainerName, networkName } from './names.js';
import { desiredContainer } from './service-spec.js';
import { serviceLabels } from './labels.js';

const KEEP_LINES = 40;
/** Lines kept to look for the error in, beyond the tail shown. */
export const SCAN_LINES = 2000;
/** Where a failed step's whole output is: streamed as progress, which a task list does not keep on screen. */
export const OUTPUT_WHERE = 'its output is above (in .devenv/devenv.log when the progress was a task list).';

/**
 * What a failed step's error shows of its output: the last lines, and before them the lines that say
 * what went wrong when the tail does not hold them (a tool that prints an error, then its stack and a
 * 40-line dump of the error object, ends with everything but the message).
 */
export function failureExcerpt(lines: string[], keep = KEEP_LINES): string[] {
  const tail = lines.slice(-keep);
  if (tail.some(telling)) return tail;
  const picked = [...new Set(lines.slice(0, -keep).filter(telling))].slice(-3);
  return picked.length === 0 ? tail : [...picked, '…', ...tail];
}

/**
 * A line that says what went wrong: an error, exception or failure, not a stack frame, a field of a
 * dumped object, or a notice that something absent was skipped.
 */
const telling = (line: string) =>
  /(error|exception)\b|\b(fatal|failed|denied)\b|does not exist|not found/i.test(line) && !/^\s+at\s/.test(line) && !/^\s+['"]?[\w$]+['"]?:\s/.test(line) && !/, skipping$/.test(line);

export async function runMigrationContainer(
  runtime: Runtime,
  project: Project,
  migration: RunMigration,
  service: ContainerService,
  signal: AbortSignal,
  onLine: (line: string) => void,
  /** Takes work that need not hold up what comes next (removing the container after a success). */
  defer: (work: Promise<unknown>) => void = (work) => void work,
  /** The running container whose network namespace to share; undefined: join the project network. */
  shareNetworkWith?: string,
): Promise<void> {
  // The service's own container spec (image, env, volumes), run once: no ports, no alias, no restart.
  const { spec } = desiredContainer(project, service);
  const id = await runtime.createContainer({
    ...spec,
    name: migrationContainerName(project.name, migration.name),
    command: migration.command,
    labels: serviceLabels(project.name, service.name, 'migration'),
    network: shareNetworkWith ? { container: shareNetworkWith } : { name: networkName(project.name), aliases: [] },
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
        if (last.length > SCAN_LINES) last.shift();
        onLine(line);
      }
    })().catch(() => undefined);
    const exitCode = await runtime.waitContainer(id, signal);
    await streaming;
    if (exitCode !== 0) {
      throw new DevenvError('MIGRATION_FAILED', `migration "${migration.name}" exited with code ${exitCode} (run in a one-off container of ${service.name}'s image); its last output:`, {
        details: failureExcerpt(last),
        hint: `Fix the migration, or step "${migration.name}" under \`migrations\` in devenv.yml; ${OUTPUT_WHERE}`,
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

/**
 * The database whose network namespace a `run:` step shares: the one it names (`database:`), else the
 * first Postgres service its service depends on. Either is ready before the step runs (the plan waits
 * for both). Undefined: the step joins the project network like any container.
 */
export function networkHostOf(project: Project, migration: RunMigration, service: ContainerService): string | undefined {
  const postgres = new Set(project.services.filter((s) => s.kind === 'postgres').map((s) => s.name));
  if (migration.database && postgres.has(migration.database)) return migration.database;
  return service.dependsOn.map((d) => d.service).find((name) => postgres.has(name));
}
