/**
 * All cac wiring lives here. Commands load their modules lazily so `devenv --help` starts fast.
 * Only this file turns errors into exit codes and decides whether to show a stack trace.
 */
import { cac } from 'cac';
import { readFileSync } from 'node:fs';
import { DevenvError, exitCodeFor } from '../errors.js';
import { printError } from './print-error.js';

export interface GlobalOptions {
  file?: string;
  project?: string;
  debug?: boolean;
  json?: boolean;
}

export type CommandResult = number | void;

interface Parsed {
  run: () => Promise<CommandResult>;
  debug: boolean;
  /** The parsed options, as the command receives them. */
  options: Record<string, unknown>;
}

const version = (): string => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
};

/** Parses argv (as process.argv) into the command to run. Throws USAGE for unknown commands/options. */
export function parseCli(argv: string[]): Parsed | undefined {
  const cli = cac('devenv');
  let chosen: (() => Promise<CommandResult>) | undefined;
  const on = (load: () => Promise<CommandResult>) => () => { chosen = load; };

  cli.option('-f, --file <path>', 'devenv.yml to use (default: ./devenv.yml or the nearest in a parent folder)')
    .option('-p, --project <name>', 'project name (default: `name` in devenv.yml, else the folder name)')
    .option('--debug', 'show stack traces and debug logs on stderr');

  cli.command('up', 'Start the database, build the app, apply migrations, wait until healthy, stream logs')
    .option('-d, --detach', 'return after the summary and leave everything running')
    .option('--build', 'rebuild images even when their build context is unchanged')
    .option('--force-recreate', 'recreate containers even when their config is unchanged')
    .option('--show-secrets', 'show passwords in the summary')
    .option('--plan', 'print the plan and exit without changing anything')
    .action((o) => on(async () => (await import('./commands/up.js')).upCommand(o))());

  cli.command('down', 'Stop and remove the project\'s containers and network (data volumes stay)')
    .option('-v, --volumes', 'also delete data volumes')
    .option('--images', 'also delete images devenv built')
    .action((o) => on(async () => (await import('./commands/down.js')).downCommand(o))());

  cli.command('ps', 'List the project\'s containers')
    .option('--json', 'print JSON')
    .action((o) => on(async () => (await import('./commands/ps.js')).psCommand(o))());

  cli.command('logs [service]', 'Print a service\'s logs (all services when none is named)')
    .option('-F, --follow', 'keep streaming new lines (-f works too, as in docker compose logs; use --file for the file)')
    .option('-n, --tail <lines>', 'only the last N lines of each')
    .action((service, o) => on(async () => (await import('./commands/logs.js')).logsCommand(service, o))());

  cli.command('env', 'Print the connection values a tool on the host needs (KEY=value lines)')
    .option('--json', 'print JSON')
    .option('--export', 'print `export KEY=\'value\'` lines for eval "$(devenv env --export)"')
    .action((o) => on(async () => (await import('./commands/env.js')).envCommand(o))());

  cli.command('validate', 'Check devenv.yml and print a one-line summary')
    .action((o) => on(async () => (await import('./commands/validate.js')).validateCommand(o))());

  cli.command('config', 'Print the normalised project (secrets masked)')
    .option('--json', 'print JSON instead of YAML')
    .option('--show-secrets', 'do not mask passwords')
    .action((o) => on(async () => (await import('./commands/config.js')).configCommand(o))());

  cli.help();
  cli.version(version(), '--version');
  const parsed = cli.parse(logsFollowFlag(argv), { run: false });
  if (parsed.options.help || parsed.options.version) return undefined;
  if (!cli.matchedCommand) {
    if (cli.args.length > 0) {
      throw new DevenvError('USAGE', `unknown command "${cli.args[0]}"`, { hint: 'Run `devenv --help` for the list of commands.' });
    }
    cli.outputHelp();
    return undefined;
  }
  cli.runMatchedCommand();
  const debug = Boolean(parsed.options.debug);
  return chosen && { run: chosen, debug, options: parsed.options };
}

export async function main(argv: string[]): Promise<number> {
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

/**
 * `devenv logs -f` follows, as `docker compose logs -f` and `docker logs -f` do; everywhere else
 * -f is --file. In `logs`, the file is given as --file.
 */
function logsFollowFlag(argv: string[]): string[] {
  const at = argv.findIndex((arg, i) => i >= 2 && !arg.startsWith('-') && !['-f', '--file', '-p', '--project'].includes(argv[i - 1] ?? ''));
  return argv[at] === 'logs' ? argv.map((arg, i) => (i > at && arg === '-f' ? '--follow' : arg)) : argv;
}
