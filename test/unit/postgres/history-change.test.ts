import { describe, expect, it } from 'vitest';
import { historyChange } from '../../../src/postgres/database-admin.js';

describe('historyChange', () => {
  it('names each history table whose row count moved, with the snapshot it is compared with', () => {
    const now = { count: 5, hash: 'a', tables: { devenv_migrations: 2, 'public.migrations': 3 } };
    const then = { count: 4, hash: 'b', tables: { devenv_migrations: 2, 'public.migrations': 2 } };
    expect(historyChange(now, then, 'base')).toBe('public.migrations: 3 rows, 2 in the last snapshot, base');
  });

  it('counts a table the snapshot did not have as 0 there, and one gone since as 0 now', () => {
    const now = { count: 1, hash: 'a', tables: { 'app._prisma_migrations': 1 } };
    const then = { count: 2, hash: 'b', tables: { devenv_migrations: 2 } };
    expect(historyChange(now, then, 's1')).toBe('app._prisma_migrations: 1 row, 0 in the last snapshot, s1; devenv_migrations: 0 rows, 2 in the last snapshot, s1');
  });

  it('says when the counts match but the rows do not, and compares totals with a snapshot from before tables were counted', () => {
    expect(historyChange({ count: 2, hash: 'a', tables: { devenv_migrations: 2 } }, { count: 2, hash: 'b', tables: { devenv_migrations: 2 } }, 'base'))
      .toBe('as many rows as the last snapshot, base, but not the same');
    expect(historyChange({ count: 3, hash: 'a', tables: { devenv_migrations: 3 } }, { count: 2, hash: 'b' }, 'old')).toBe('3 rows, 2 in the last snapshot, old');
  });
});
