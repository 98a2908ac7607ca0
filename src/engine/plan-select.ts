/**
 * Which services a command acts on: `up app` brings up app and what it depends on (and the
 * migrations app waits for, with what they need), `restart app` only app, `run app …` prepares
 * app's image and starts its dependencies. Pure.
 */
import { noSuchServices } from '../config/check-names.js';
import { dependencyNames, migrationDatabases, type Project, type Service } from '../config/project.js';
import { DevenvError } from '../errors.js';

export type UpMode =
  | 'up' // create, recreate, start what is needed, run migrations
  | 'restart' // only the named services: restart unchanged containers, recreate changed ones
  | 'start'; // start existing containers of the named services and their dependencies

export interface SelectOptions {
  /** Services named on the command line; none means every service. */
  services?: string[];
  /** Services whose image and dependencies are prepared, but which are not started (`devenv run`). */
  prepare?: string[];
  mode?: UpMode;
}

export interface Selection {
  /** Services named on the command line (every service when none was): --build and --force-recreate apply to these. */
  named: Set<string>;
  /** Services whose containers are created or started, and checked. */
  started: Set<string>;
  /** Services whose image is needed without starting them: a `run:` migration's, a `devenv run`'s, a shared build's source. */
  imageOnly: Set<string>;
  /** Whether the migrations run. */
  migrations: boolean;
}

export function selectServices(project: Project, options: SelectOptions): Selection {
  const byName = new Map(project.services.map((s) => [s.name, s]));
  const requested = [...(options.services ?? []), ...(options.prepare ?? [])];
  const unknown = requested.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw noSuchServices(unknown, project.services.map((s) => s.name), project.file);
  }
  const mode = options.mode ?? 'up';
  const all = !options.services?.length && !options.prepare?.length;
  const named = new Set(all ? project.services.map((s) => s.name) : (options.services ?? []));
  const closure = (names: Iterable<string>, into = new Set<string>()): Set<string> => {
    const add = (name: string): void => {
      if (into.has(name)) return;
      into.add(name);
      for (const d of dependencyNames(byName.get(name)!)) add(d);
    };
    for (const name of names) add(name);
    return into;
  };

  const started = mode === 'restart' ? new Set(named) : closure(named);
  const prepare = new Set(options.prepare ?? []);
  for (const name of prepare) closure(dependencyNames(byName.get(name)!), started);
  const imageOnly = new Set([...prepare].filter((name) => !started.has(name)));

  const needed = migrationNeeds(project, byName);
  const waits = (name: string) => byName.get(name)?.kind !== 'postgres' && !needed.has(name);
  // `up` of the whole project runs them; `up app` when app waits for them (not `up db` alone).
  const migrations = mode === 'up' && project.migrations.length > 0 && (all || [...started, ...prepare].some(waits));
  if (migrations) {
    for (const m of project.migrations) {
      closure(migrationDatabases(m), started);
      if (m.kind === 'run') {
        closure(dependencyNames(byName.get(m.service)!), started);
        if (!started.has(m.service)) imageOnly.add(m.service);
      }
    }
  }
  // A service running another's build needs that build, started or not.
  for (const name of [...started, ...imageOnly]) {
    const source = sharedBuildOf(byName.get(name));
    if (source && !started.has(source)) imageOnly.add(source);
  }
  return { named, started, imageOnly, migrations };
}

function sharedBuildOf(service: Service | undefined): string | undefined {
  return service?.kind === 'container' ? service.buildFrom : undefined;
}

/** The service whose build a service's image is: the one it shares (`build: { from: app }`), else itself. */
export function imageSourceOf(byName: Map<string, Service>, name: string): string {
  return sharedBuildOf(byName.get(name)) ?? name;
}

/**
 * Services the migrations need running: the databases they use and the dependencies of each `run:`
 * step's service, transitively. Every other service (container or host process) waits for them.
 */
export function migrationNeeds(project: Project, byName = new Map(project.services.map((s) => [s.name, s]))): Set<string> {
  const needed = new Set<string>();
  const add = (name: string): void => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const d of dependencyNames(byName.get(name)!)) add(d);
  };
  for (const m of project.migrations) {
    migrationDatabases(m).forEach(add);
    if (m.kind === 'run') for (const d of dependencyNames(byName.get(m.service)!)) add(d);
  }
  return needed;
}
