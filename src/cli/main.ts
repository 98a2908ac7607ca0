/**
 * All cac wiring lives here. Commands load their modules lazily so `devenv --help` starts fast.
 * Only this file turns errors into exit codes and decides whether to show a stack trace.
 */
import { cac } from 'cac';
import { DevenvError, exitCodeFor } from '../errors.js';
import { devenvVersion } from '../version.js';
import type { CommandResult } from './options.js';
import { printError } from './print-error.js';
import { splitCommandArgs } from './split-args.js';
import { suggest } from '../util/suggest.js';

interface Parsed {
  run: () => Promise<CommandResult>;
  debug: boolean;
  /** The parsed options, as the command receives them. */
  options: Record<string, unknown>;
  /** The command's positional arguments (service names). */
  args: readonly unknown[];
  /** For exec and run: the command to run in the container (or on the host). */
  command?: string[];
}

/** Parses argv (as process.argv) into the command to run. Throws USAGE for unknown commands/options. */
export function parseCli(argv: string[]): Parsed | undefined {
  const { argv: front, command, strings } = splitCommandArgs(argv);
  const cli = cac('devenv');
  let chosen: (() => Promise<CommandResult>) | undefined;
  const on = (load: () => Promise<CommandResult>) => () => { chosen = load; };

  cli.option('-f, --file <path>', 'devenv.yml to use (default: ./devenv.yml or the nearest in a parent folder)')
    .option('-p, --project <name>', 'project name (default: `name` in devenv.yml, else the folder name)')
    .option('--debug', 'show stack traces and debug logs on stderr');

  cli.command('up [...services]', 'Start the services (all, or those named and what they need), apply migrations, wait until healthy, stream logs')
    .option('-d, --detach', 'return after the summary and leave everything running')
    .option('--build', 'rebuild the images of the named services (all when none is named)')
    .option('--force-recreate', 'recreate the containers of the named services even when unchanged')
    .option('--migrate', 'run every migration step, even those whose inputs are unchanged since their last success')
    .option('--watch', 'after up, rebuild and recreate a service when its build context or SQL migrations change')
    .option('--show-secrets', 'show passwords in the summary')
    .option('--plan', 'print the plan and exit without changing anything')
    .example('devenv up            # everything, attached: logs stream until Ctrl-C')
    .example('devenv up -d app     # app and what it depends on, in the background')
    .action((services: string[], o) => on(async () => (await import('./commands/up.js')).upCommand(services, o))());

  cli.command('down', 'Stop and remove the project\'s containers and network (data volumes stay)')
    .option('-v, --volumes', 'also delete data volumes')
    .option('--images', 'also delete images devenv built')
    .action((o) => on(async () => (await import('./commands/down.js')).downCommand(o))());

  cli.command('restart [...services]', 'Restart services (all when none is named) and wait until healthy; a changed config recreates')
    .action((services: string[], o) => on(async () => (await import('./commands/lifecycle.js')).restartCommand(services, o))());

  cli.command('stop [...services]', 'Stop services (all when none is named), keeping their containers')
    .action((services: string[], o) => on(async () => (await import('./commands/lifecycle.js')).stopCommand(services, o))());

  cli.command('start [...services]', 'Start stopped services (and what they depend on) and wait until healthy')
    .action((services: string[], o) => on(async () => (await import('./commands/lifecycle.js')).startCommand(services, o))());

  cli.command('build [...services]', 'Build the images of services with `build` (all when none is named)')
    .action((services: string[], o) => on(async () => (await import('./commands/images.js')).buildCommand(services, o))());

  cli.command('pull [...services]', 'Pull the images of services (all when none is named), even those already present')
    .action((services: string[], o) => on(async () => (await import('./commands/images.js')).pullCommand(services, o))());

  cli.command('push [...services]', 'Push the images devenv builds (all, or those named) to a registry')
    .option('--registry <host[/path]>', 'push as HOST[/PATH]/<image> (default: the registry the image: names)')
    .example('devenv push --registry 127.0.0.1:5000')
    .action((services: string[], o) => on(async () => (await import('./commands/images.js')).pushCommand(services, o))());

  cli.command('exec <service> [...command]', 'Run a command in a service\'s running container (a Postgres service: psql)')
    .option('-T, --no-tty', 'no TTY, even when stdin is a terminal')
    .option('-e, --env <KEY=value>', 'set an environment variable (repeatable)')
    .option('-u, --user <user>', 'run as this user (name or uid[:gid])')
    .option('-w, --workdir <dir>', 'run in this folder')
    .example('devenv exec db                       # psql as the project\'s user')
    .example('devenv exec app sh -c \'ls /app\'')
    .action((service: string, _rest: string[], o) => on(async () => (await import('./commands/exec.js')).execCommand(service, command, o))());

  cli.command('run [service] [...command]', 'Run a command in a one-off container of a service\'s image, its dependencies up first')
    .option('--no-rm', 'keep the container afterwards (`ps -a` lists it)')
    .option('-T, --no-tty', 'no TTY, even when stdin is a terminal')
    .option('-e, --env <KEY=value>', 'set an environment variable (repeatable)')
    .option('-u, --user <user>', 'run as this user (name or uid[:gid])')
    .option('-w, --workdir <dir>', 'run in this folder')
    .example('devenv run app npm test')
    .action((service: string | undefined, _rest: string[], o) => on(async () => (await import('./commands/run.js')).runCommand(service, command, o))());

  cli.command('db <action> [...args]', 'Database workflows: reset [DB], snapshot [NAME], snapshots, restore NAME, snapshot --delete NAME, dump [DB], load FILE [--replace]')
    // cac shows no description in a command's own help: the actions go in its usage line.
    .usage('db <action> [...args]\n\nActions:\n  reset [DB]                 drop and create the database again, then run its migration steps\n  snapshot [NAME]            copy the database into a snapshot (--delete NAME deletes one)\n  snapshots                  list the snapshots\n  restore NAME               replace the database with a copy of a snapshot\n  dump [DB]                  pg_dump the database to stdout or -o FILE\n  load FILE                  load a .sql, .sql.gz or custom-format dump (--replace: into a new database)')
    .option('-y, --yes', 'reset, restore or load --replace even when the database\'s migrations differ from its last snapshot\'s')
    .option('--replace', 'with load: load into a new empty database and swap it in for the current one only once the whole file loaded')
    .option('--delete', 'with snapshot: delete the named snapshot')
    .option('-o, --output <file>', 'with dump: write to this file instead of stdout')
    .option('--format <format>', 'with dump: plain (SQL, the default) or custom (pg_restore\'s format)')
    .option('-s, --service <db>', 'the Postgres service (default: the project\'s only one)')
    .option('--json', 'with snapshots: print JSON')
    .example('devenv db snapshot clean && devenv db restore clean')
    .example('devenv db dump -o dump.sql && devenv db load dump.sql')
    .action((action: string, args: string[], o) => on(async () => (await import('./commands/db.js')).dbCommand(action, args, o))());

  cli.command('export <target>', 'Write the stack for another engine: compose (a Compose file) or kubernetes (manifests)')
    .option('-o, --output <file>', 'where to write it (default: compose.devenv.yml or kubernetes.devenv.yml beside devenv.yml; - for stdout)')
    .option('--secrets <mode>', 'env (default): generated passwords as ${VARS} with their values in the .env beside the file; inline: in the file')
    .option('--swarm', 'with compose: a file for `docker stack deploy` (no build, deploy sections, an overlay network)')
    .option('--registry <host[/path]>', 'with --swarm: where `devenv push --registry` put the built images')
    .example('devenv export compose -o compose.yml && docker-compose -f compose.yml up -d')
    .action((target: string, o) => on(async () => (await import('./commands/export.js')).exportCommand(target, o))());

  cli.command('init', 'Write a devenv.yml for the project in this folder (from its Compose file, Dockerfile, package.json)')
    .option('--force', 'replace an existing devenv.yml')
    .option('--print', 'print it instead of writing it')
    .action((o) => on(async () => (await import('./commands/init.js')).initCommand(o))());

  cli.command('doctor', 'Check what `up` needs from this machine (engine, BuildKit, clock, disk, ports, registry credentials), with a fix for each problem')
    .option('--json', 'print the findings as JSON')
    .action((o) => on(async () => (await import('./commands/doctor.js')).doctorCommand(o))());

  cli.command('ps', 'List the project\'s services: state, image, health, ports')
    .option('-a, --all', 'also list completed one-shot services and one-off containers')
    .option('--json', 'print JSON')
    .action((o) => on(async () => (await import('./commands/ps.js')).psCommand(o))());

  cli.command('logs [...services]', 'Print services\' logs (all when none is named)')
    .option('-F, --follow', 'keep streaming new lines (-f works too, as in docker compose logs; use --file for the file)')
    .option('-n, --tail <lines>', 'only the last N lines of each')
    .action((services: string[], o) => on(async () => (await import('./commands/logs.js')).logsCommand(services, o))());

  cli.command('env', 'Print the connection values a tool on the host needs (KEY=value lines)')
    .option('--json', 'print JSON')
    .option('--export', 'print `export KEY=\'value\'` lines for eval "$(devenv env --export)"')
    .action((o) => on(async () => (await import('./commands/env.js')).envCommand(o))());

  cli.command('validate', 'Check devenv.yml and print a one-line summary')
    .action((o) => on(async () => (await import('./commands/validate.js')).validateCommand(o))());

  cli.command('config', 'Print devenv.yml with every default filled in (secrets masked)')
    .option('--json', 'print the normalised model as JSON, for tools')
    .option('--services', 'print the service names, one a line')
    .option('--show-secrets', 'do not mask passwords')
    .action((o) => on(async () => (await import('./commands/config.js')).configCommand(o))());

  cli.help();
  cli.version(devenvVersion(), '--version');
  const parsed = cli.parse(front, { run: false });
  if (parsed.options.help || parsed.options.version) return undefined;
  if (!cli.matchedCommand) {
    if (cli.args.length > 0) {
      const guess = suggest(String(cli.args[0]), cli.commands.map((c) => c.name).filter((name) => name !== '' && !name.startsWith('__')));
      throw new DevenvError('USAGE', `unknown command "${cli.args[0]}"${guess ? ` — did you mean "${guess}"?` : ''}`, { hint: 'Run `devenv --help` for the list of commands.' });
    }
    cli.outputHelp();
    return undefined;
  }
  // cac made numbers of some values (`-p 007` → 7); the words as typed win.
  for (const [key, values] of Object.entries(strings)) parsed.options[key] = key === 'env' ? values : values.at(-1);
  if (cli.matchedCommand.name !== 'exec' && cli.matchedCommand.name !== 'run' && parsed.options['--']?.length) {
    throw new DevenvError('USAGE', `unexpected "${['--', ...parsed.options['--']].join(' ')}" after ${cli.matchedCommand.name}`);
  }
  cli.runMatchedCommand();
  const debug = Boolean(parsed.options.debug);
  return chosen && { run: chosen, debug, options: parsed.options, args: parsed.args, ...(command ? { command } : {}) };
}

export async function main(argv: string[]): Promise<number> {
  // The host process supervisor, started detached by devenv itself: not a command for people.
  if (argv[2] === '__supervise') {
    const { runDaemon } = await import('../supervisor/daemon.js');
    await runDaemon(argv[3]!, argv[4]!);
    return new Promise<number>(() => {}); // it exits by itself once nothing is left to supervise
  }
  // The watchdog of an attached `up` (see watchdog.ts): not a command for people either.
  if (argv[2] === '__watchdog') return (await import('./watchdog.js')).runWatchdog();
  // What a db command leaves for after it has answered (see db-tidy.ts).
  if (argv[2] === '__db-tidy') return (await import('./db-tidy.js')).runDbTidy();
  const debug = argv.includes('--debug');
  // `devenv logs -F | head`: a closed pipe ends the command as Ctrl-C would (attached up tears down).
  let piped = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' && !piped) {
      piped = true;
      process.emit('SIGINT', 'SIGINT');
    }
  });
  try {
    const parsed = parseCli(argv);
    if (!parsed) return 0;
    return (await parsed.run()) ?? 0;
  } catch (error) {
    printError(error, debug);
    return exitCodeFor(usageError(error));
  }
}

/** cac throws plain errors for unknown options and missing values; they are usage errors. */
function usageError(error: unknown): unknown {
  if (error instanceof Error && error.name === 'CACError') return new DevenvError('USAGE', error.message);
  return error;
}
