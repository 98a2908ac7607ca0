import { describe, expect, it } from 'vitest';
import { withoutControl } from '../../../src/util/ansi.js';

describe('withoutControl', () => {
  it('takes colours, a spinner\'s erase-and-return codes, titles and carriage returns out, and leaves text alone', () => {
    expect(withoutControl('\u001b[2K\u001b[1G⠋ Applying migrations...')).toBe('⠋ Applying migrations...');
    expect(withoutControl('\u001b[31m[nodemon] app crashed\u001b[39m')).toBe('[nodemon] app crashed');
    expect(withoutControl('\u001b]0;title\u0007done\r')).toBe('done');
    expect(withoutControl('\u001b7saved\u001b8 \u001b(Bplain\u001b=')).toBe('saved plain');
    // A spinner's frames on one line: the last one, as a terminal would show.
    expect(withoutControl('⠋ Applying…\r⠙ Applying…\r✔ Done')).toBe('✔ Done');
    expect(withoutControl('{"level":30,"msg":"listening on [::]:3000"}')).toBe('{"level":30,"msg":"listening on [::]:3000"}');
  });
});
