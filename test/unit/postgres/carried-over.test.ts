import { describe, expect, it } from 'vitest';
import { carriedOver, listElements } from '../../../src/postgres/database-admin.js';

const quote = { ident: (s: string) => `"${s.replace(/"/g, '""')}"`, literal: (s: string) => `'${s.replace(/'/g, "''")}'` };

describe('carriedOver', () => {
  it('gives the new database the owner, privileges, settings, limit and comment of the one it replaces', () => {
    const sql = carriedOver(quote, 'shop', {
      owner: 'app',
      acl: ['=T/app', 'app=CTc/app', '"odd ""name"=c*/app'],
      connectionLimit: 20,
      comment: "it's ours",
      settings: [
        { role: null, config: ['work_mem=8MB', 'search_path="$user", public'] },
        { role: 'reader', config: ['statement_timeout=5s'] },
      ],
    });
    expect(sql.split('; ').map((s) => s.replace(/;$/, ''))).toEqual([
      'ALTER DATABASE "shop" OWNER TO "app"',
      'ALTER DATABASE "shop" CONNECTION LIMIT 20',
      `COMMENT ON DATABASE "shop" IS 'it''s ours'`,
      `ALTER DATABASE "shop" SET work_mem TO '8MB'`,
      // A list setting, stored as quoted names: written back element by element.
      `ALTER DATABASE "shop" SET search_path TO '$user', 'public'`,
      `ALTER ROLE "reader" IN DATABASE "shop" SET statement_timeout TO '5s'`,
      'REVOKE ALL ON DATABASE "shop" FROM PUBLIC',
      'REVOKE ALL ON DATABASE "shop" FROM "app"',
      'GRANT TEMPORARY ON DATABASE "shop" TO PUBLIC',
      'GRANT CREATE, TEMPORARY, CONNECT ON DATABASE "shop" TO "app"',
      'GRANT CONNECT ON DATABASE "shop" TO "odd ""name" WITH GRANT OPTION',
    ]);
  });

  it('default privileges and no limit, comment or settings: only the owner', () => {
    expect(carriedOver(quote, 'shop', { owner: 'postgres', acl: null, connectionLimit: -1, comment: null, settings: [] })).toBe('ALTER DATABASE "shop" OWNER TO "postgres";');
    expect(carriedOver(quote, 'shop', undefined)).toBe('');
  });
});

describe('listElements', () => {
  it.each([
    ['"$user", public', ['$user', 'public']],
    ['""', ['']],
    ['"My Schema", public, "a""b"', ['My Schema', 'public', 'a"b']],
    ['pg_stat_statements', ['pg_stat_statements']],
  ])('%s', (stored, elements) => {
    expect(listElements(stored)).toEqual(elements);
  });

  it('an empty search_path is written back as one', () => {
    expect(carriedOver(quote, 'shop', { owner: 'o', acl: null, connectionLimit: -1, comment: null, settings: [{ role: null, config: ['search_path=""'] }] })).toContain(`SET search_path TO '';`);
  });
});
