/**
 * What cac cannot do on its own:
 * - `exec SERVICE CMD…` and `run SERVICE CMD…`: everything after the service is the command, its
 *   options included (`devenv exec app ls -la` must not read -la as devenv's). `run -- CMD…` (no
 *   service) is a command for the host.
 * - `logs -f` follows, as in `docker compose logs -f`; everywhere else -f is --file.
 * - `-T` (exec, run) is --no-tty; cac would read the alias of a negated flag as true.
 * - A value that starts with "-" (`-o -` for stdout) is a value, not the next option.
 * - Option values are strings: cac (mri) turns `-p 007` into the number 7.
 * - cac tells mri its boolean flags by camelCase name, so mri reads `--force-recreate app` as the
 *   flag with the value "app"; the flag is passed on as `--forceRecreate`, which mri knows.
 */

/** Options that take a value, by every name they are written with. */
const VALUE_OPTIONS: Record<string, string> = {
  '-f': 'file', '--file': 'file',
  '-p': 'project', '--project': 'project',
  '-e': 'env', '--env': 'env',
  '-u': 'user', '--user': 'user',
  '-w': 'workdir', '--workdir': 'workdir',
  '-n': 'tail', '--tail': 'tail',
  '-o': 'output', '--output': 'output',
};
const STRING_KEYS = new Set(['file', 'project', 'env', 'user', 'workdir']);

export interface SplitArgs {
  /** argv for cac: the command's own part. */
  argv: string[];
  /** For exec and run: the command to run; undefined when none was given. */
  command?: string[];
  /** The raw values of string options, in order (cac would have made numbers of some). */
  strings: Record<string, string[]>;
}

export function splitCommandArgs(argv: string[]): SplitArgs {
  const strings: Record<string, string[]> = {};
  const record = (key: string | undefined, value: string | undefined) => {
    if (key && STRING_KEYS.has(key) && value !== undefined) (strings[key] ??= []).push(value);
  };
  const out = argv.slice(0, 2);
  let commandName: string | undefined;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      if (commandName === 'exec' || commandName === 'run') return { argv: out, command: argv.slice(i + 1), strings };
      out.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const eq = arg.indexOf('=');
      const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
      const key = VALUE_OPTIONS[commandName === 'logs' && name === '-f' ? '' : name];
      if (commandName === 'logs' && arg === '-f') {
        out.push('--follow');
        continue;
      }
      // cac reads a short alias of a negated flag (-T for --no-tty) as true.
      if ((commandName === 'exec' || commandName === 'run') && arg === '-T') {
        out.push('--no-tty');
        continue;
      }
      out.push(!key && eq < 0 && /^--[a-z]+(-[a-z]+)+$/.test(arg) && !arg.startsWith('--no-') ? camelCase(arg) : arg);
      if (key && eq < 0 && i + 1 < argv.length) {
        const value = argv[++i]!;
        record(key, value);
        // mri takes a value that starts with "-" (`-o -`, stdout) for the next option: joined, it is a value.
        if (value.startsWith('-')) out.splice(-1, 1, `--${key}=${value}`);
        else out.push(value);
      } else if (key && eq > 0) record(key, arg.slice(eq + 1));
      continue;
    }
    if (commandName === undefined) {
      commandName = arg;
      out.push(arg);
      continue;
    }
    out.push(arg);
    // The first word after exec's or run's options is the service; the rest is its command.
    if (commandName === 'exec' || commandName === 'run') {
      const rest = argv.slice(i + 1);
      return { argv: out, command: rest[0] === '--' ? rest.slice(1) : rest, strings };
    }
  }
  return { argv: out, strings };
}

const camelCase = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/^-([A-Z])/, (_, c: string) => `--${c.toLowerCase()}`);
