/**
 * `devenv db …`: the database workflows of a contributor's day. reset (drop, create, run the steps
 * that build it), snapshots as template databases in the same server (instant copies that survive
 * `down` and go with `down --volumes`), restore, dump and load through the database's own container.
 * `devenv exec db` already opens psql: there is no second way.
 */
import { closeSync, createReadStream, createWriteStream, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { migrationDatabases, type Migration, type PostgresService, type Project } from '../../config/project.js';
import { DevenvError } from '../../errors.js';
import { INIT_CHANGED, initFilesChanged, initFilesHash } from '../../engine/init-files.js';
import { LABELS } from '../../engine/labels.js';
import { dataVolumeName } from '../../engine/names.js';
import { publishedPostgresPort } from '../../engine/postgres-port.js';
import { forgetMigrations } from '../../engine/run-state.js';
import type { Plan } from '../../engine/plan.js';
import type { PgConnection } from '../../postgres/connection.js';
import { SNAPSHOT_NAME } from '../../postgres/snapshot-name.js';
import type { ContainerDetails, Runtime } from '../../runtime/runtime.js';
import { connect, guessedName, hostProcessesFor, loadFor, projectTarget, runtimeOnly, withProjectLock } from '../context.js';
import { startDbTidy } from '../db-tidy.js';
import type { CommandResult, GlobalOptions } from '../options.js';
import { listenForInterrupts } from '../signals.js';
import { psqlEnv, runningContainer, runningDetails } from './exec.js';

export interface DbFlags extends GlobalOptions {
  yes?: boolean;
  delete?: boolean;
  output?: string;
  format?: string;
  service?: string;
  replace?: boolean;
}

const ACTIONS = ['reset', 'snapshot', 'snapshots', 'restore', 'dump', 'load'] as const;

export async function dbCommand(action: string, args: string[], flags: DbFlags): Promise<CommandResult> {
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new DevenvError('USAGE', `unknown db command "${action}"`, { hint: `The db commands are ${ACTIONS.join(', ')}; \`devenv exec DB\` opens psql.` });
  }
  const extra = (max: number) => { if (args.length > max) throw new DevenvError('USAGE', `unexpected "${args.slice(max).join(' ')}" after db ${action}`); };
  switch (action) {
    case 'reset': extra(1); return reset(args[0] ?? flags.service, flags);
    case 'snapshot': extra(1); return flags.delete ? deleteOne(args[0], flags) : snapshot(args[0], flags);
    case 'snapshots': extra(0); return snapshots(flags);
    case 'restore': extra(1); return restore(args[0], flags);
    case 'dump': extra(1); return dump(args[0] ?? flags.service, flags);
    default: extra(1); return load(args[0], flags);
  }
}

/** The running database a command acts on: named, else the project's only Postgres service. */
interface Database {
  project: string;
  service: string;
  container: ContainerDetails;
  conn: PgConnection;
}

async function database(runtime: Runtime, project: string, service: string | undefined, guessed = ''): Promise<Database> {
  let name = service;
  const postgres = await runtime.listContainers({ [LABELS.project]: project, [LABELS.role]: 'service', [LABELS.kind]: 'postgres' });
  const dbs = [...new Set(postgres.map((c) => c.labels[LABELS.service]!))];
  if (!name) {
    if (dbs.length === 0) throw new DevenvError('USAGE', `no Postgres service of project "${project}" has a container${guessed}`, { hint: 'Run `devenv up -d` first (`devenv up -d DB` starts only the database).' });
    if (dbs.length > 1) throw new DevenvError('USAGE', `project "${project}" has several databases (${dbs.join(', ')}): name one`, { hint: `e.g. \`--service ${dbs[0]}\`` });
    name = dbs[0]!;
  } else {
    // `db dump shop`: the argument is the service, not the database; say so instead of "up -d shop".
    if (dbs.length > 0 && !dbs.includes(name) && (await runtime.listContainers({ [LABELS.project]: project, [LABELS.role]: 'service', [LABELS.service]: name })).length === 0) {
      throw new DevenvError('USAGE', `no Postgres service named "${name}" has a container in project "${project}"`, {
        hint: `The db commands take the Postgres service, not the database: ${dbs.map((d) => `\`${d}\``).join(', ')}. If ${name} is a service of devenv.yml, \`devenv up -d ${name}\` starts it.`,
      });
    }
  }
  // Found in the listing already (the usual case): one request less than looking it up again.
  const listed = postgres.find((c) => c.labels[LABELS.service] === name);
  const container = listed ? await runningDetails(runtime, name, listed.id) : await runningContainer(runtime, project, name);
  if (container.labels[LABELS.kind] !== 'postgres') throw new DevenvError('USAGE', `${name} is not a Postgres service`);
  const port = publishedPostgresPort(container.ports);
  if (!port) throw new DevenvError('USAGE', `${name} publishes no Postgres port`);
  const env = psqlEnv(container);
  return { project, service: name, container, conn: { host: '127.0.0.1', port, user: env.PGUSER!, password: env.PGPASSWORD ?? '', database: env.PGDATABASE! } };
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(2)} s`;
const sessions = (n: number) => (n === 0 ? 'no session was connected' : `ended ${n} connected session${n === 1 ? '' : 's'} (apps connected to it must reconnect)`);

/**
 * reset, restore and load --replace throw away what the database holds. When its migrations moved on
 * from every snapshot of it (the rows of its migration history tables are those of none), that needs
 * --yes: asked on a terminal, required otherwise. Right after a restore they are the snapshot's.
 */
async function confirmLoss(db: Database, what: string, flags: DbFlags): Promise<number> {
  if (flags.yes) return 0;
  const { historyChange, listSnapshots, migrationState } = await import('../../postgres/database-admin.js');
  const [list, now] = await Promise.all([listSnapshots(db.conn), migrationState(db.conn)]);
  const mine = list.filter((s) => s.database === db.conn.database);
  const last = mine.at(-1);
  // A snapshot from before other tools' tables counted holds a hash of devenv_migrations alone. A
  // database with no migration record (a failed reset left it empty, say) has nothing to lose.
  if (!last || now.count === 0 || mine.some((s) => s.migrations.hash === (s.migrations.tables ? now.hash : now.devenvHash))) return 0;
  const change = `database "${db.conn.database}" of ${db.service} has migration records no snapshot holds (${historyChange(now, last.migrations, last.name)})`;
  const question = `${change}; ${what} anyway?`;
  if (!process.stdin.isTTY) {
    throw new DevenvError('USAGE', `${change}: refusing without --yes`, { hint: `Take a snapshot first (\`devenv db snapshot\`), or pass --yes to ${what} it.` });
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const asked = performance.now();
  const answer = await rl.question(`${question} [y/N] `).finally(() => rl.close());
  const done = { reset: 'reset', restore: 'restored', replace: 'loaded' }[what] ?? what;
  if (!/^y(es)?$/i.test(answer.trim())) throw new DevenvError('DECLINED', `not ${done}: database "${db.conn.database}" is as it was`);
  // The time it took to answer is not the command's.
  return performance.now() - asked;
}

async function reset(service: string | undefined, flags: DbFlags): Promise<CommandResult> {
  let t0 = performance.now();
  // What only a reset needs (the plan executor, to run the migrations) loads only for it: snapshot and
  // restore are meant to take a blink.
  // Unlike the other db commands, a reset needs devenv.yml (its migration steps), -p alone is not enough.
  const loading = loadFor(flags, true).catch((error: unknown) => {
    if (!(error instanceof DevenvError && error.code === 'CONFIG_NOT_FOUND')) throw error;
    throw new DevenvError('CONFIG_NOT_FOUND', `db reset runs the project's migration steps, so it needs its devenv.yml: ${error.message}`, { details: error.details, ...(error.hint ? { hint: error.hint } : {}) });
  });
  const [project, { runtime, engine }, { executePlan }, { PlanBuilder }, { settleSecrets }, { newRunState, stepHandler }, { plainRenderer }] = await Promise.all([
    loading,
    connect(),
    import('../../engine/execute.js'),
    import('../../engine/plan.js'),
    import('../../engine/secrets-settle.js'),
    import('../../engine/step-handlers.js'),
    import('../render/plain.js'),
  ]);
  await settleSecrets(runtime, project);
  const host = await hostProcessesFor(runtime, { name: project.name, dir: project.dir });
  const interrupts = listenForInterrupts();
  try {
    return await withProjectLock(project.name, 'db reset', interrupts.signal, async () => {
      const db = await database(runtime, project.name, service);
      const pg = project.services.find((s): s is PostgresService => s.kind === 'postgres' && s.name === db.service);
      if (!pg) throw new DevenvError('USAGE', `${db.service} is not a Postgres service of ${project.file}`);
      t0 += await confirmLoss(db, 'reset', flags);
      const steps = project.migrations.filter((m) => targets(project, m, db.service));
      const handler = stepHandler({ runtime, engine, project, state: newRunState(), ...(host ? { host } : {}) });
      // The images the `run:` steps run in, as `up` would have them (a migration fixed since the last
      // build must not run from the old image), before the database is touched: a failed build changes nothing.
      const images = await prepareImages(project, steps, runtime, host, (plan) => executePlan(plan, handler, { signal: interrupts.signal, onEvent: plainRenderer() }));
      const { resetDatabase } = await import('../../postgres/database-admin.js');
      const swapping = performance.now();
      const { disconnected, spare, initial } = await resetDatabase(db.conn);
      startDbTidy({ project: project.name, dir: project.dir, conn: db.conn, after: 'reset' });
      const as = initial ? ', as its init files left it,' : '';
      process.stdout.write(`${spare ? `Swapped in a new${initial ? '' : ' empty'}` : 'Dropped and created'} database "${db.conn.database}" of ${db.service}${as} in ${seconds(images.made ? swapping : t0)}; ${sessions(disconnected)}.\n`);
      const volume = (await runtime.listVolumes({ [LABELS.project]: project.name })).find((v) => v.name === dataVolumeName(project.name, pg.name));
      if (initFilesChanged(volume, initFilesHash(pg))) process.stdout.write(`Note: ${db.service}: ${INIT_CHANGED}.\n`);
      else if (pg.init.length > 0 && !initial) {
        process.stdout.write(`Note: this volume has no copy of what ${db.service}'s init files made (it was created before devenv kept one, or keeping it failed), so they were not run again; \`devenv down --volumes\` then \`devenv up\` starts from scratch.\n`);
      }
      // The records of what ran on the old database no longer hold.
      forgetMigrations(project.dir, project.name, steps.map((m) => m.name));
      if (steps.length > 0) {
        const plan = new PlanBuilder();
        let previous: number | undefined;
        for (const [index, migration] of steps.entries()) previous = plan.add({ kind: 'migration', migration, index }, 'database reset', [previous]);
        await executePlan({ project: project.name, steps: plan.steps }, handler, { signal: interrupts.signal, onEvent: plainRenderer() }).catch((error: unknown) => {
          // The old database is gone by now: say where that leaves the user, and the ways back.
          if (!(error instanceof DevenvError) || error.code === 'INTERRUPTED') throw error;
          throw new DevenvError(error.code, `${error.message} (database "${db.conn.database}" was already reset: it holds what the steps before this one made)`, {
            details: error.details,
            hint: `${error.hint ? `${error.hint} ` : ''}Then \`devenv db reset\` again, or \`devenv db restore NAME\` to go back to a snapshot (\`devenv db snapshots\` lists them).`,
          });
        });
      }
      process.stdout.write(`${db.service} reset in ${seconds(t0)}: ${steps.length === 0 ? 'no migration step targets it' : `ran ${steps.map((m) => m.name).join(', ')}`}.\n`);
      const { stale } = images;
      if (stale.length > 0) process.stdout.write(`Note: ${stale.join(', ')} still run${stale.length === 1 ? 's' : ''} the image built before; \`devenv up\` puts ${stale.length === 1 ? 'it' : 'them'} on the new one.\n`);
      return 0;
    });
  } finally {
    interrupts.dispose();
  }
}

/** The images the `run:` steps run in, as `up` would make them (see planStepImages); the services that still run an older one. */
async function prepareImages(project: Project, steps: Migration[], runtime: Runtime, host: Awaited<ReturnType<typeof hostProcessesFor>>, execute: (plan: Plan) => Promise<unknown>): Promise<{ made: boolean; stale: string[] }> {
  if (!steps.some((m) => m.kind === 'run')) return { made: false, stale: [] };
  const [{ observe }, { planStepImages }] = await Promise.all([import('../../engine/observe.js'), import('../../engine/plan-images.js')]);
  const { plan, stale } = planStepImages(project, await observe(runtime, project, host), steps);
  if (plan.steps.length > 0) await execute(plan);
  return { made: plan.steps.length > 0, stale };
}

/** The steps that build this database: those naming it, and `run:` steps of services that depend on it. */
function targets(project: Project, m: Migration, db: string): boolean {
  if (migrationDatabases(m).includes(db)) return true;
  if (m.kind !== 'run') return false;
  const dbs = project.services.filter((s) => s.kind === 'postgres');
  const service = project.services.find((s) => s.name === m.service);
  return dbs.length === 1 || (service?.dependsOn.some((d) => d.service === db) ?? false);
}

async function target(flags: DbFlags, service = flags.service): Promise<{ runtime: Runtime; db: Database; dir?: string }> {
  const found = await projectTarget(flags);
  const { name, dir } = found;
  // No version round trip (the engine takes ~30 ms to answer it): these commands only read containers.
  const runtime = await runtimeOnly();
  return { runtime, db: await database(runtime, name, service, guessedName(found)), ...(dir ? { dir } : {}) };
}

async function snapshot(name: string | undefined, flags: DbFlags): Promise<CommandResult> {
  const t0 = performance.now();
  const chosen = name ?? `s${new Date().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15)}`;
  if (!SNAPSHOT_NAME.test(chosen)) throw badName(chosen);
  const admin = import('../../postgres/database-admin.js');
  const { db, dir } = await target(flags);
  const { lastMigrations, takeSnapshot } = await admin;
  const { snapshot: s, disconnected } = await withProjectLock(db.project, 'db snapshot', undefined, async () => {
    const taken = await takeSnapshot(db.conn, chosen);
    startDbTidy({ project: db.project, ...(dir ? { dir } : {}), conn: db.conn, snapshot: chosen, after: 'snapshot' });
    return taken;
  });
  process.stdout.write(`Snapshot "${s.name}" of database "${db.conn.database}" (${size(s.size)}, ${s.migrations.count} migration record${s.migrations.count === 1 ? '' : 's'}${lastMigrations(s.migrations) ? `, last ${lastMigrations(s.migrations)}` : ''}) taken in ${seconds(t0)}; ${sessions(disconnected)}.\n`);
  return 0;
}

function badName(name: string): DevenvError {
  return new DevenvError('USAGE', `invalid snapshot name ${JSON.stringify(name)}`, { hint: 'A snapshot name is a lowercase letter, then up to 39 lowercase letters, digits or "_".' });
}

async function snapshots(flags: DbFlags): Promise<CommandResult> {
  const { lastMigrations, listSnapshots } = await import('../../postgres/database-admin.js');
  const { db } = await target(flags);
  const list = (await listSnapshots(db.conn)).filter((s) => s.database === db.conn.database || s.database === '');
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  if (list.length === 0) {
    process.stdout.write(`No snapshots of database "${db.conn.database}" (${db.service}); \`devenv db snapshot NAME\` takes one.\n`);
    return 0;
  }
  const rows = [['NAME', 'SIZE', 'TAKEN AT', 'MIGRATIONS'], ...list.map((s) => [s.name, size(s.size), s.takenAt.replace('T', ' ').slice(0, 19), `${s.migrations.count}${lastMigrations(s.migrations) ? ` (last: ${lastMigrations(s.migrations)})` : ''}`])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  return 0;
}

async function restore(name: string | undefined, flags: DbFlags): Promise<CommandResult> {
  let t0 = performance.now();
  if (!name) throw new DevenvError('USAGE', 'name the snapshot to restore: `devenv db restore NAME` (`devenv db snapshots` lists them)');
  if (!SNAPSHOT_NAME.test(name)) throw badName(name);
  // pg loads while the engine answers.
  const admin = import('../../postgres/database-admin.js');
  const { db, dir } = await target(flags);
  const { restoreSnapshot } = await admin;
  await withProjectLock(db.project, 'db restore', undefined, async () => {
    t0 += await confirmLoss(db, 'restore', flags);
    const restoring = restoreSnapshot(db.conn, name);
    // What .devenv/ says ran on this database held for the replaced copy, not for the snapshot's:
    // the next up runs the steps again (each skips what the snapshot already has). Forgotten while
    // Postgres works; should the restore fail, the next up only runs steps that skip what is applied.
    if (dir) forgetMigrations(dir, db.project);
    const { disconnected } = await restoring;
    startDbTidy({ project: db.project, ...(dir ? { dir } : {}), conn: db.conn, snapshot: name, after: 'restore' });
    process.stdout.write(`Restored database "${db.conn.database}" of ${db.service} from snapshot "${name}" in ${seconds(t0)}; ${sessions(disconnected)}.\n`);
  });
  return 0;
}

async function deleteOne(name: string | undefined, flags: DbFlags): Promise<CommandResult> {
  if (!name) throw new DevenvError('USAGE', 'name the snapshot to delete: `devenv db snapshot --delete NAME`');
  const { deleteSnapshot } = await import('../../postgres/database-admin.js');
  if (!SNAPSHOT_NAME.test(name)) throw badName(name);
  const { db } = await target(flags);
  await withProjectLock(db.project, 'db snapshot --delete', undefined, () => deleteSnapshot(db.conn, name));
  process.stdout.write(`Deleted snapshot "${name}" of database "${db.conn.database}".\n`);
  return 0;
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`;
}

/** pg_dump in the database's own container (its pg_dump matches its server), to stdout or a file. */
async function dump(service: string | undefined, given: DbFlags): Promise<CommandResult> {
  // `-o -` is stdout, as for export.
  const { output, ...rest } = given;
  const flags: DbFlags = output === '-' ? rest : given;
  const format = flags.format ?? 'plain';
  if (format !== 'plain' && format !== 'custom') throw new DevenvError('USAGE', `--format must be plain or custom, not ${JSON.stringify(format)}`);
  if (format === 'custom' && !flags.output && process.stdout.isTTY) {
    throw new DevenvError('USAGE', 'a custom-format dump is binary: write it to a file with -o FILE, or pipe it');
  }
  const t0 = performance.now();
  const { runtime, db, dir } = await target(flags, service);
  // Into a private file beside the target, renamed over it only once pg_dump succeeded: a failed dump
  // never replaces a good one.
  const partial = flags.output ? `${flags.output}.${process.pid}.partial` : undefined;
  const file = partial ? createWriteStream(partial, { mode: 0o600, flags: 'wx' }) : undefined;
  const opened = file ? new Promise<void>((resolve, reject) => { file.once('open', () => resolve()); file.once('error', reject); }) : Promise.resolve();
  await opened.catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    const folder = dirname(resolve(flags.output!));
    const why = code === 'ENOENT' ? `the folder ${folder} does not exist` : code === 'EACCES' ? `no permission to write in ${folder}` : (error as Error).message.replaceAll(partial!, flags.output!);
    throw new DevenvError('USAGE', `cannot write ${flags.output}: ${why}`);
  });
  const errors = collect();
  let code: number;
  try {
    code = await runtime.execInteractive(db.container.id, {
      command: ['pg_dump', '--no-owner', `--format=${format}`],
      env: psqlEnv(db.container),
    }, { stdout: file ?? process.stdout, stderr: errors.stream, tty: false });
    if (file) await new Promise<void>((resolve, reject) => file.close((e) => (e ? reject(e) : resolve())));
  } catch (error) {
    if (partial) rmSync(partial, { force: true });
    throw error;
  }
  if (code !== 0) {
    if (partial) rmSync(partial, { force: true });
    throw new DevenvError('ENGINE_ERROR', `pg_dump of ${db.service} exited with code ${code}`, { details: errors.lines() });
  }
  if (partial) renameSync(partial, flags.output!);
  if (flags.output) {
    process.stderr.write(`Dumped database "${db.conn.database}" of ${db.service} to ${flags.output} (${format} format, ${size(statSync(flags.output).size)}) in ${seconds(t0)}.\n`);
    const image = dir ? await baked(flags, resolve(flags.output)) : undefined;
    if (image) process.stderr.write(`Note: ${flags.output} is in ${image}'s build context, and no .dockerignore leaves it out: the next \`up\` sends it to the engine and rebuilds, and a \`COPY . .\` puts the data in the image. Add it (or *.sql) to .dockerignore.\n`);
  }
  return 0;
}

/** The service whose build context would send `file` to the engine; undefined when none would, or devenv.yml does not load. */
async function baked(flags: DbFlags, file: string): Promise<string | undefined> {
  try {
    const [project, { buildSending }] = await Promise.all([loadFor(flags, true), import('../build-context-note.js')]);
    return await buildSending(project, file);
  } catch {
    return undefined; // Only a note is lost.
  }
}

/** Loads a .sql, .sql.gz or custom-format dump into the database, stopping at the first error. */
async function load(file: string | undefined, flags: DbFlags): Promise<CommandResult> {
  let t0 = performance.now();
  if (!file) throw new DevenvError('USAGE', 'name the file to load: `devenv db load FILE` (.sql, .sql.gz or a custom-format dump)');
  const kind = sniff(file);
  const { name, dir } = await projectTarget(flags);
  const runtime = await runtimeOnly();
  const db = await database(runtime, name, flags.service);
  if (!flags.replace) {
    await loadInto(runtime, db, db.conn.database, file, kind, 'What came before the error is loaded (neither a plain .sql file nor pg_restore is one transaction); `devenv db load --replace FILE` loads into a new database and swaps it in only once the whole file loaded.');
    process.stdout.write(`Loaded ${file} into database "${db.conn.database}" of ${db.service} in ${seconds(t0)}.\n`);
    return 0;
  }
  const admin = await import('../../postgres/database-admin.js');
  return withProjectLock(db.project, 'db load --replace', undefined, async () => {
    t0 += await confirmLoss(db, 'replace', flags);
    const scratch = await admin.prepareLoad(db.conn);
    try {
      await loadInto(runtime, db, scratch, file, kind, `Nothing changed: the file went into a new database, now dropped; database "${db.conn.database}" is as it was.`);
    } catch (error) {
      await admin.dropLoad(db.conn).catch(() => undefined);
      throw error;
    }
    const { disconnected } = await admin.swapInLoad(db.conn);
    // As after a restore: what .devenv/ says ran on the database held for the replaced one.
    if (dir) forgetMigrations(dir, db.project);
    startDbTidy({ project: db.project, ...(dir ? { dir } : {}), conn: db.conn, after: 'load --replace' });
    process.stdout.write(`Loaded ${file} into a new database and swapped it in for "${db.conn.database}" of ${db.service} in ${seconds(t0)}; ${sessions(disconnected)}.\n`);
    return 0;
  });
}

/** Streams a dump into `database` through psql or pg_restore in the database's container. */
async function loadInto(runtime: Runtime, db: Database, database: string, file: string, kind: 'custom' | 'gzip' | 'sql', hint: string): Promise<void> {
  const input = new PassThrough();
  const source = createReadStream(file);
  const reading = (kind === 'gzip' ? pipeline(source, createGunzip(), input) : pipeline(source, input)).catch((error: unknown) => {
    input.destroy();
    throw new DevenvError('USAGE', `cannot read ${file}: ${(error as Error).message}`);
  });
  const errors = collect();
  const command = kind === 'custom'
    ? ['pg_restore', '--exit-on-error', '--no-owner', '--dbname', database]
    // Query results (a dump's `SELECT pg_catalog.set_config(…)`) are noise here; errors still come.
    : ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-f', '-'];
  const env = { ...psqlEnv(db.container), PGDATABASE: database };
  const code = await runtime.execInteractive(db.container.id, { command, env }, { stdin: input, stdout: process.stderr, stderr: errors.stream, tty: false });
  await reading.catch((error: unknown) => { if (code === 0) throw error; });
  if (code !== 0) {
    const at = errors.lines().map((l) => /^psql:<stdin>:(\d+): (ERROR: .*)$/.exec(l)).find(Boolean);
    throw new DevenvError('MIGRATION_FAILED', at ? `loading ${file} stopped at line ${at[1]}: ${at[2]}` : `loading ${file} failed (${command[0]} exited with code ${code})`, {
      details: errors.lines().slice(-10),
      hint,
    });
  }
}

function sniff(file: string): 'custom' | 'gzip' | 'sql' {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new DevenvError('USAGE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const head = Buffer.alloc(5);
  try {
    readSync(fd, head, 0, 5, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1') === 'PGDMP') return 'custom';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  // A dump is SQL by any name (.sql, .txt, .psql, none), but not a project file picked by mistake.
  if (/\.(ya?ml|json|[cm]?[jt]sx?|md|env|lock)$/i.test(file)) {
    throw new DevenvError('USAGE', `${file} is not a dump`, { hint: 'db load takes a .sql or .sql.gz file, or a custom-format dump (`devenv db dump --format custom`).' });
  }
  return 'sql';
}

/** A stream that keeps its text, for error messages. */
function collect(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _e, done) { text += chunk.toString('utf8'); done(); } });
  return { stream, lines: () => text.split('\n').filter((l) => l.trim() !== '') };
}
