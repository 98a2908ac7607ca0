/** Reads KEY=value files: `.env` beside devenv.yml and the files named by `env_file`. */

export interface DotenvLine {
  key: string;
  value: string;
  /** False for a single-quoted value, which is taken literally (as in Compose). */
  interpolate: boolean;
  line: number;
}

/**
 * A line that is not KEY=value. It carries no text of the line: an env file may be a key or a
 * password file named by mistake, and errors must not repeat it.
 */
export interface DotenvError {
  line: number;
  /** Why, without quoting the line: 'it has no "="'. */
  reason: string;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function unquote(raw: string): string {
  const value = raw.trim();
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
    const inner = value.slice(1, -1);
    if (quote === "'") return inner;
    return inner.replace(/\\([nrt"\\$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
  }
  // An unquoted value ends at a " #" comment.
  const comment = value.search(/\s#/);
  return (comment === -1 ? value : value.slice(0, comment)).trim();
}

/** Parses the text of an env file; lines that are not KEY=value are returned as errors. */
export function parseDotenv(text: string): { entries: DotenvLine[]; errors: DotenvError[] } {
  const entries: DotenvLine[] = [];
  const errors: DotenvError[] = [];
  text.split(/\r?\n/).forEach((source, index) => {
    const line = source.trim();
    if (line === '' || line.startsWith('#')) return;
    const body = line.startsWith('export ') ? line.slice('export '.length).trimStart() : line;
    const equals = body.indexOf('=');
    const key = equals === -1 ? '' : body.slice(0, equals).trim();
    if (!KEY.test(key)) {
      const reason = equals === -1 ? 'it has no "="' : key === '' ? 'nothing comes before "="' : 'what comes before "=" is not a variable name';
      errors.push({ line: index + 1, reason });
      return;
    }
    const raw = body.slice(equals + 1).trim();
    entries.push({ key, value: unquote(raw), interpolate: !(raw.length >= 2 && raw.startsWith("'") && raw.endsWith("'")), line: index + 1 });
  });
  return { entries, errors };
}

/** The problem message for a line that is not KEY=value: its number and why, never its text. */
export function dotenvErrorMessage(error: DotenvError): string {
  return `line ${error.line} is not KEY=value: ${error.reason}`;
}

export const DOTENV_HINT = 'an env file holds KEY=value lines (KEY: letters, digits, "_", "." and "-", not starting with a digit); blank lines and lines starting with "#" are skipped';
