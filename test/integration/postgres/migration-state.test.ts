import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgConnection } from '../../../src/postgres/connection.js';
import { lastMigrations, migrationState } from '../../../src/postgres/database-admin.js';
import { waitForPostgres } from '../../../src/postgres/wait-ready.js';
import { removeProject, uniqueProject } from '../../helpers/engine.js';
import { startPostgres } from './pg-container.js';

const project = uniqueProject('pgstate');
let admin: PgConnection;
let databases = 0;

beforeAll(async () => {
  admin = (await startPostgres(project)).conn;
  await waitForPostgres(admin, { timeoutMs: 60_000 });
});
afterAll(async () => {
  await removeProject(project);
});

/** A new database holding what `sql` makes. */
async function databaseWith(sql: string): Promise<PgConnection> {
  const conn = { ...admin, database: `t${++databases}` };
  await run(admin, `CREATE DATABASE ${conn.database}`);
  await run(conn, sql);
  return conn;
}

async function run(conn: PgConnection, sql: string): Promise<void> {
  const client = new pg.Client(conn);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('migrationState: the migration history tables of the common tools', () => {
  it('names the last entry of each table by the tool\'s own order, not by name', async () => {
    const conn = await databaseWith(`
      CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch int, migration_time timestamptz);
      INSERT INTO knex_migrations (name, batch) VALUES ('20240102_users.js', 1), ('20240101_late_merge.js', 2);
      CREATE SCHEMA app;
      CREATE TABLE app.migrations (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL);
      INSERT INTO app.migrations ("timestamp", name) VALUES (1700000000000, 'Init1700000000000'), (1700000000001, 'AddNotes1700000000001');
      CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200), script varchar(1000));
      INSERT INTO flyway_schema_history VALUES (2, '2', 'more', 'V2__more.sql'), (1, '1', 'init', 'V1__init.sql');`);
    const state = await migrationState(conn);
    expect(state.count).toBe(6);
    expect(state.tables).toEqual({ 'public.knex_migrations': 2, 'app.migrations': 2, 'public.flyway_schema_history': 2 });
    expect(state.latest).toEqual({ 'public.knex_migrations': '20240101_late_merge.js', 'app.migrations': 'AddNotes1700000000001', 'public.flyway_schema_history': 'V2__more.sql' });
    expect(lastMigrations(state)).toBe('app.migrations AddNotes1700000000001, flyway_schema_history V2__more.sql, knex_migrations 20240101_late_merge.js');
  });

  it('Prisma\'s last is the last to finish (its id is a random UUID); one that never finished is not it', async () => {
    const conn = await databaseWith(`
      CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, migration_name varchar(255), started_at timestamptz, finished_at timestamptz);
      INSERT INTO _prisma_migrations VALUES ('f0000000-0000-0000-0000-000000000000', '0001_init', now() - interval '2 days', now() - interval '2 days'),
        ('10000000-0000-0000-0000-000000000000', '0002_notes', now() - interval '1 day', now() - interval '1 day'),
        ('a0000000-0000-0000-0000-000000000000', '0003_broken', now(), NULL);`);
    const state = await migrationState(conn);
    expect(state.latest).toEqual({ 'public._prisma_migrations': '0002_notes' });
    expect(lastMigrations(state)).toBe('0002_notes');
  });

  it('Laravel\'s, Sequelize\'s and golang-migrate\'s columns; Drizzle\'s hashes are counted but name nothing', async () => {
    const conn = await databaseWith(`
      CREATE TABLE migrations (id serial PRIMARY KEY, migration varchar(255), batch int);
      INSERT INTO migrations (migration, batch) VALUES ('2014_10_12_000000_create_users_table', 1);
      CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY);
      INSERT INTO "SequelizeMeta" VALUES ('20240102-b.js'), ('20240101-a.js');
      CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean);
      INSERT INTO schema_migrations VALUES (3, false);
      CREATE TABLE __drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
      INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('5d1f0c', 1700000000000);`);
    const state = await migrationState(conn);
    expect(state.count).toBe(5);
    expect(state.latest).toEqual({ 'public.migrations': '2014_10_12_000000_create_users_table', 'public.SequelizeMeta': '20240102-b.js', 'public.schema_migrations': '3' });
    expect(state.tables?.['public.__drizzle_migrations']).toBe(1);
  });

  it('an empty history table, and a database without any: counted as none, no last entry', async () => {
    const empty = await migrationState(await databaseWith('CREATE TABLE pgmigrations (id serial PRIMARY KEY, name varchar(255), run_on timestamp)'));
    expect(empty).toMatchObject({ count: 0, tables: { 'public.pgmigrations': 0 } });
    expect(empty.latest).toBeUndefined();
    const none = await migrationState(await databaseWith('CREATE TABLE items (id int)'));
    expect(none.count).toBe(0);
    expect(lastMigrations(none)).toBeUndefined();
  });
});
