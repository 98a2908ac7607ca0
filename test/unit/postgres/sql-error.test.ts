import { describe, expect, it } from 'vitest';
import { describeSqlError } from '../../../src/postgres/sql-error.js';

const sql = ['CREATE TABLE a (id int);', 'INSERT INTO a VALUES (1);', '', 'SELEC * FROM a;', 'DROP TABLE a;'].join('\n');

describe('describeSqlError', () => {
  it('finds the line of the position and shows two lines either side, the offending one marked', () => {
    const position = String(sql.indexOf('SELEC') + 1);
    expect(describeSqlError(sql, { message: 'syntax error at or near "SELEC"', position })).toEqual({
      line: 4,
      excerpt: [
        '  2 | INSERT INTO a VALUES (1);',
        '  3 | ',
        '> 4 | SELEC * FROM a;',
        '    | ^',
        '  5 | DROP TABLE a;',
      ],
      notes: [],
    });
  });

  it('points the caret at the column, counting characters as Postgres does', () => {
    const text = "SELECT '🙂', 'é' FROM nowhere;";
    const position = String(Array.from(text).indexOf('n') + 1);
    const report = describeSqlError(text, { message: 'relation "nowhere" does not exist', position });
    expect(report.line).toBe(1);
    // 21 characters precede "nowhere" (the emoji is one character but two UTF-16 units).
    expect(report.excerpt).toEqual(["> 1 | SELECT '🙂', 'é' FROM nowhere;", `    | ${' '.repeat(21)}^`]);
  });

  it('pads line numbers to the same width', () => {
    const text = Array.from({ length: 12 }, (_, i) => `-- line ${i + 1}`).join('\n');
    const position = String(text.indexOf('-- line 10') + 1);
    expect(describeSqlError(text, { message: 'x', position }).excerpt[0]).toBe('   8 | -- line 8');
  });

  it('has no line and no excerpt without a position, but keeps DETAIL, HINT and CONTEXT', () => {
    expect(
      describeSqlError(sql, {
        message: 'duplicate key value violates unique constraint "a_pkey"',
        detail: 'Key (id)=(1) already exists.',
        hint: 'Try another id.',
        where: 'SQL function "f" statement 1',
      }),
    ).toEqual({
      excerpt: [],
      notes: ['DETAIL: Key (id)=(1) already exists.', 'HINT: Try another id.', 'CONTEXT: SQL function "f" statement 1'],
    });
  });
});
