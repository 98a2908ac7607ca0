import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as core from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load-project.js';
import { exportKubernetes } from '../../../src/export/kubernetes.js';
import { repoRoot } from '../../helpers/paths.js';
import { demoProject } from '../engine/fixtures.js';

type Model = { validate(): void };
const models: Record<string, new (o: never) => Model> = {
  'v1/Secret': core.Secret, 'v1/Service': core.Service, 'v1/ConfigMap': core.ConfigMap, 'v1/PersistentVolumeClaim': core.PersistentVolumeClaim,
  'apps/v1/StatefulSet': apps.StatefulSet, 'apps/v1/Deployment': apps.Deployment, 'batch/v1/Job': batch.Job,
};
const io = { read: (f: string) => readFileSync(f, 'utf8'), list: (d: string) => readdirSync(d) };
/** Validates every object against the Kubernetes API schema; returns "Kind name" lines. */
function validated(objects: Record<string, unknown>[]): string[] {
  return objects.map((o) => {
    const Model = models[`${o.apiVersion as string}/${o.kind as string}`];
    if (!Model) throw new Error(`no model for ${o.apiVersion as string} ${o.kind as string}`);
    new Model(o as never).validate();
    return `${o.kind as string} ${(o.metadata as { name: string }).name}`;
  });
}

describe('export kubernetes', () => {
  it.each(['node-postgres', 'node-knex-redis', 'host-app'])('examples/%s: every object is valid against the Kubernetes API schemas', async (example) => {
    const project = await loadProject({ file: join(repoRoot, 'examples', example, 'devenv.yml'), cwd: repoRoot, env: {}, persistSecrets: false });
    const { objects } = exportKubernetes(project, io);
    expect(validated(objects).length).toBeGreaterThan(2);
  });

  it('Postgres: a StatefulSet with a claim, a Service of its name, its password in the Secret; the app waits, then migrates, then starts', async () => {
    const project = await loadProject({ file: join(repoRoot, 'examples/node-postgres/devenv.yml'), cwd: repoRoot, env: {}, persistSecrets: true });
    const { objects, skipped } = exportKubernetes(project, io);
    expect(validated(objects)).toEqual(['Secret node-postgres-secrets', 'Service db', 'StatefulSet db', 'ConfigMap node-postgres-migration-schema', 'Deployment app', 'Service app']);
    const secret = objects[0] as { stringData: Record<string, string> };
    const db = project.services.find((s) => s.name === 'db')! as { password: string };
    expect(secret.stringData.DB_POSTGRES_PASSWORD).toBe(db.password);
    expect(JSON.stringify(objects.slice(1))).not.toContain(db.password);
    const app = objects.find((o) => o.kind === 'Deployment') as any;
    const pod = app.spec.template.spec;
    expect(pod.initContainers.map((c: { name: string }) => c.name)).toEqual(['wait-for-db', 'migrate-schema']);
    expect(pod.containers[0].env).toEqual([
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'node-postgres-secrets', key: 'APP_DATABASE_URL' } } },
      { name: 'PORT', value: '3000' },
    ]);
    expect(pod.containers[0].readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 3000 } });
    expect(app.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/part-of': 'node-postgres', 'app.kubernetes.io/managed-by': 'devenv' });
    const config = objects.find((o) => o.kind === 'ConfigMap') as { data: Record<string, string> };
    expect(Object.keys(config.data)).toEqual(['001_create_notes.sql', '002_seed.sql']);
    expect(skipped).toEqual([expect.stringContaining('app: its image node-postgres-app:devenv is built by devenv; push it')]);
  });

  it('sql files whose names are not ConfigMap keys are stored under keys and mounted under their own names', () => {
    const files: Record<string, string> = { '..odd.sql': 'SELECT 0;', '001 add users.sql': 'CREATE TABLE users ();', '001_add_users.sql': 'SELECT 1;', '002-ok.sql': 'SELECT 2;' };
    const p = demoProject();
    p.migrations = p.migrations.filter((m) => m.kind === 'sql');
    const { objects } = exportKubernetes(p, { read: (f) => files[f.split('/').pop()!]!, list: () => Object.keys(files) });
    validated(objects);
    const config = objects.find((o) => o.kind === 'ConfigMap') as { data: Record<string, string> };
    for (const key of Object.keys(config.data)) expect(key).toMatch(/^(?!\.\.)[-._a-zA-Z0-9]+$/);
    const pod = (objects.find((o) => o.kind === 'Deployment' && (o.metadata as { name: string }).name === 'app') as any).spec.template.spec;
    const items = pod.volumes.find((v: { configMap?: unknown }) => v.configMap).configMap.items as { key: string; path: string }[];
    expect(items.map((i) => i.path)).toEqual(['..odd.sql', '001 add users.sql', '001_add_users.sql', '002-ok.sql']);
    expect(Object.fromEntries(items.map((i) => [i.path, config.data[i.key]]))).toEqual(files);
  });

  it('names with "_" become DNS names, and references follow them', () => {
    const p = demoProject();
    p.services[0]!.name = 'main_db';
    const app = p.services.find((s) => s.name === 'app')!;
    if (app.kind !== 'container') throw new Error('fixture');
    app.dependsOn = [{ service: 'main_db', condition: 'healthy' }];
    app.env = { DATABASE_URL: [{ service: 'main_db', field: 'url' }] };
    p.migrations = [];
    const { objects } = exportKubernetes(p, io);
    validated(objects);
    expect(objects.some((o) => o.kind === 'Service' && (o.metadata as { name: string }).name === 'main-db')).toBe(true);
    expect((objects[0] as { stringData: Record<string, string> }).stringData.APP_DATABASE_URL).toBe('postgres://postgres:secret@main-db:5432/demo');
  });
});
