/**
 * What a migration step does: a `sql:` folder applied by devenv, a `run:` command in a one-off
 * container, a `process:` command on the host. A `when: fresh` step runs once per database: the
 * database records that it ran, so a new volume (or a reset) runs it again and nothing else does.
 */
import type { Migration } from '../config/project.js';
import { resolveEnv } from '../config/references.js';
import { hostDatabaseDefaults } from './host-env.js';
import { DevenvError } from '../errors.js';
import { applySqlMigrations } from '../postgres/sql-migrator.js';
import { recordStepRun, stepHasRun } from '../postgres/step-record.js';
import { runHostStep } from './host-step.js';
import { networkHostOf, runMigrationContainer } from './run-migration.js';
import { databaseConnection, databasePorts, reusedOr } from './running.js';
import type { HandlerContext } from './step-handlers.js';

export async function runMigration(ctx: HandlerContext, m: Migration, signal: AbortSignal, progress: (line: string) => void): Promise<string | void> {
  const project = ctx.project!;
  const fresh = m.when === 'fresh' ? await databaseConnection(ctx, m.database!) : undefined;
  if (fresh && (await stepHasRun(fresh, m.name))) return `skipped: already ran on this database (when: fresh)`;
  let detail: string | undefined;
  if (m.kind === 'sql') {
    const conn = await databaseConnection(ctx, m.database);
    const result = await applySqlMigrations(conn, { name: m.name, dir: m.dir }, { signal, onEvent: (e) => progress(`${e.type} ${e.file}`) });
    detail = `${result.applied.length} applied, ${result.skipped.length} already applied`;
    if (result.ended.length > 0) {
      detail += `; ended ${result.ended.length} session${result.ended.length === 1 ? '' : 's'} a killed devenv left holding the migration lock (pid ${result.ended.map((e) => `${e.pid}, running ${e.runningSeconds} s`).join('; pid ')})`;
    }
  } else if (m.kind === 'run') {
    const service = project.services.find((s) => s.name === m.service);
    if (service?.kind !== 'container') throw new DevenvError('INTERNAL', `no container service "${m.service}"`);
    const host = networkHostOf(project, m, service);
    // Only a running database has a namespace to join; else (it restarts, say) the project network.
    const hostId = host ? await reusedOr(ctx, host).catch(() => undefined) : undefined;
    const shareWith = hostId && (await ctx.runtime.inspectContainer(hostId).then((d) => d.state === 'running', () => false)) ? hostId : undefined;
    await runMigrationContainer(ctx.runtime, project, m, service, signal, progress, (work) => ctx.state.deferred.push(work), shareWith);
  } else {
    const ports = await databasePorts(ctx);
    await runHostStep(m, { ...hostDatabaseDefaults(project, m.env, ports), ...resolveEnv(project, m, 'host', ports) }, signal, progress);
  }
  if (fresh) await recordStepRun(fresh, m.name);
  return detail;
}
