/** Turns a Postgres error raised by a migration file into a message and the SQL lines around it. */

/** The fields of pg's DatabaseError that matter here. */
export interface PgErrorFields {
  message: string;
  /** 1-based character offset into the query text, as a string. */
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
}

export interface SqlErrorReport {
  /** 1-based line of the error in the file, when Postgres reported a position. */
  line?: number;
  /** "3 | SELEC 1"-style lines around the error, the offending one marked with ">". */
  excerpt: string[];
  /** Postgres's DETAIL, HINT and CONTEXT, when present. */
  notes: string[];
}

const CONTEXT_LINES = 2;

export function describeSqlError(sql: string, error: PgErrorFields): SqlErrorReport {
  const notes = [
    error.detail && `DETAIL: ${error.detail}`,
    error.hint && `HINT: ${error.hint}`,
    error.where && `CONTEXT: ${error.where}`,
  ].filter((n): n is string => Boolean(n));
  const position = Number(error.position);
  if (!Number.isInteger(position) || position < 1) return { excerpt: [], notes };

  // Postgres counts characters (code points), not UTF-16 units.
  const before = Array.from(sql).slice(0, position - 1).join('');
  const line = before.split('\n').length;
  const column = Array.from(before.slice(before.lastIndexOf('\n') + 1)).length + 1;
  const lines = sql.split('\n');
  const first = Math.max(1, line - CONTEXT_LINES);
  const last = Math.min(lines.length, line + CONTEXT_LINES);
  const width = String(last).length;
  const excerpt: string[] = [];
  for (let n = first; n <= last; n++) {
    const text = (lines[n - 1] ?? '').replace(/\r$/, '');
    excerpt.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${text}`);
    // Keep tabs so the caret lines up under the character Postgres pointed at.
    const pad = Array.from(text).slice(0, column - 1).map((c) => (c === '\t' ? '\t' : ' ')).join('');
    if (n === line) excerpt.push(`  ${' '.repeat(width)} | ${pad}^`);
  }
  return { line, excerpt, notes };
}
