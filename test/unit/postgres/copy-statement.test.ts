import { describe, expect, it } from 'vitest';
import { copyStatement } from '../../../src/postgres/database-admin.js';

describe('copyStatement', () => {
  it('copies the files on PostgreSQL 15 and later', () => {
    expect(copyStatement({ name: '"s"', template: '"app"' }, 150004)).toBe('CREATE DATABASE "s" TEMPLATE "app" STRATEGY FILE_COPY');
    expect(copyStatement({ name: '"e"', template: '"template0"', owner: '"me"' }, 160000)).toBe('CREATE DATABASE "e" TEMPLATE "template0" OWNER "me" STRATEGY FILE_COPY');
  });

  it('leaves the strategy out where PostgreSQL has none (before 15)', () => {
    expect(copyStatement({ name: '"s"', template: '"app"' }, 140012)).toBe('CREATE DATABASE "s" TEMPLATE "app"');
  });
});
