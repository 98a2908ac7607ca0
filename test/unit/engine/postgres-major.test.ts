import { describe, expect, it } from 'vitest';
import type { PostgresService } from '../../../src/config/project.js';
import { DevenvError } from '../../../src/errors.js';
import { LABELS } from '../../../src/engine/labels.js';
import { initFailure, majorFromStartupLog, postgresMajor } from '../../../src/engine/postgres-major.js';
import { planUp } from '../../../src/engine/plan-up.js';
import { printPlan } from '../../../src/engine/plan.js';
import { demoProject, emptyObserved } from './fixtures.js';

describe('Postgres major versions', () => {
  it.each([
    ['postgres:15', '15'], ['postgres:15-bookworm', '15'], ['postgres:16.2-alpine', '16'], ['postgis/postgis:16-3.4', '16'],
    ['registry.local:5000/pg:14.1', '14'], ['postgres', undefined], ['postgres:latest', undefined], ['localhost:5000/postgres', undefined],
    ['postgres:15@sha256:abc', '15'], ['pgvector/pgvector:0.7.4-pg16', '16'], ['timescale/timescaledb:2.14.2-pg16', '16'],
    ['postgres:9.6-alpine', '9.6'], ['postgres:9', undefined],
  ])('%s names major %s', (image, major) => {
    expect(postgresMajor(image)).toBe(major);
  });

  it('reads both versions from Postgres\' own refusal', () => {
    expect(majorFromStartupLog([
      '2026-11-29 04:30:00.000 UTC [1] FATAL:  database files are incompatible with server',
      '2026-11-29 04:30:00.000 UTC [1] DETAIL:  The data directory was initialized by PostgreSQL version 14, which is not compatible with this version 15.8 (Debian 15.8-1.pgdg120+1).',
    ])).toEqual({ data: '14', server: '15' });
    expect(majorFromStartupLog(['LOG:  database system is ready to accept connections'])).toBeUndefined();
  });

  function withVolume(major: string | undefined) {
    const observed = emptyObserved();
    observed.volumes = [{ id: 'demo-db-data', name: 'demo-db-data', labels: { [LABELS.project]: 'demo', ...(major ? { [LABELS.postgresMajor]: major } : {}) } }];
    return observed;
  }

  it('the plan refuses a database image of another major on a labelled volume, before any step', () => {
    const project = demoProject();
    const db = project.services.find((s): s is PostgresService => s.kind === 'postgres')!;
    const error = (() => { try { planUp(project, withVolume('14')); } catch (e) { return e; } })() as DevenvError;
    expect(error).toBeInstanceOf(DevenvError);
    expect(error.code).toBe('DATABASE_VERSION');
    expect(error.message).toBe(`db's data volume demo-db-data was initialised by PostgreSQL 14, and ${db.image} runs PostgreSQL ${postgresMajor(db.image)}, which cannot open it; nothing was started`);
    expect(error.hint).toContain('devenv down --volumes');
    expect(error.hint).toContain('pg_dumpall');
  });

  it('the same major, or a volume without the label, plans as usual', () => {
    const project = demoProject();
    const db = project.services.find((s): s is PostgresService => s.kind === 'postgres')!;
    expect(printPlan(planUp(project, withVolume(postgresMajor(db.image))))).toContain('container:db create');
    expect(printPlan(planUp(project, withVolume(undefined)))).toContain('container:db create');
  });
});

describe('initFailure', () => {
  const db = { name: 'db', database: 'app', init: ['/p/db/roles.sql', '/p/db/seed.sql'] } as unknown as PostgresService;
  it('names the file as devenv.yml does, with the line and the error', () => {
    const e = initFailure(db, '/p', ['psql:/docker-entrypoint-initdb.d/001-seed.sql:7: ERROR:  relation "x" does not exist'])!;
    expect(e.message).toBe('db\'s init file ./db/seed.sql (postgres.init[1]) failed at line 7: relation "x" does not exist');
    expect(e.hint).toMatch(/^Fix the file/);
  });
  it('says when the file creates the database devenv creates', () => {
    expect(initFailure(db, '/p', ['psql:/docker-entrypoint-initdb.d/000-roles.sql:1: ERROR:  database "app" already exists'])!.hint).toMatch(/^devenv creates the database "app" itself/);
  });
  it('nothing from other lines', () => {
    expect(initFailure(db, '/p', ['FATAL:  the database system is starting up'])).toBeUndefined();
  });
});
