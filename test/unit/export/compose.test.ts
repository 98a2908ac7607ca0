import { describe, expect, it } from 'vitest';
import type { Project } from '../../../src/config/project.js';
import { exportCompose, toYaml } from '../../../src/export/compose.js';
import { demoProject } from '../engine/fixtures.js';

type Services = Record<string, Record<string, unknown>>;
const services = (p: Project, secrets: 'env' | 'inline' = 'env') => exportCompose(p, { secrets, outDir: '/src/demo' }).compose.services as Services;

describe('export compose', () => {
  it('keeps generated passwords out of the file in env mode, and puts their values in .env', () => {
    const result = exportCompose(demoProject(), { secrets: 'env', outDir: '/src/demo' });
    const text = toYaml(result.compose);
    expect(text).not.toContain('secret');
    const s = result.compose.services as Services;
    expect(s.db!.environment).toEqual({ POSTGRES_USER: 'postgres', POSTGRES_PASSWORD: '${DB_POSTGRES_PASSWORD}', POSTGRES_DB: 'demo' });
    expect(s.app!.environment).toEqual({ DATABASE_URL: '${APP_DATABASE_URL}', NODE_ENV: 'development' });
    expect(result.env).toEqual({
      DB_POSTGRES_PASSWORD: 'secret',
      APP_DATABASE_URL: 'postgres://postgres:secret@db:5432/demo',
      MIGRATE_SCHEMA_PGPASSWORD: 'secret',
    });
    expect(exportCompose(demoProject(), { secrets: 'inline', outDir: '/src/demo' }).env).toEqual({});
    expect(services(demoProject(), 'inline').db!.environment).toMatchObject({ POSTGRES_PASSWORD: 'secret' });
  });

  it('publishes on 127.0.0.1 only, builds relative to the file, and waits for health and for the migrations', () => {
    const s = services(demoProject());
    expect(s.db!.ports).toEqual(['127.0.0.1::5432']);
    expect(s.app!.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(s.app!.build).toEqual({ context: '.' });
    expect(s.app!.image).toBe('demo-app:devenv');
    expect(s.app!.depends_on).toEqual({
      db: { condition: 'service_healthy' },
      // cache has no health check: Compose can only wait for it to start.
      cache: { condition: 'service_started' },
      'migrate-schema': { condition: 'service_completed_successfully' },
      'migrate-seed': { condition: 'service_completed_successfully' },
    });
    expect(s['migrate-schema']!.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(s['migrate-seed']!.depends_on).toMatchObject({ 'migrate-schema': { condition: 'service_completed_successfully' }, db: { condition: 'service_healthy' } });
    expect(s['migrate-seed']).toMatchObject({ image: 'demo-app:devenv', command: ['sh', '-c', 'npm run seed'], restart: 'no' });
    expect(s['migrate-schema']).toMatchObject({ image: 'postgres:15', volumes: ['./db/migrations:/migrations:ro'], restart: 'no' });
  });

  it('escapes $ for Compose and writes YAML 1.1, so "no" stays a string for docker-compose', () => {
    const p = demoProject();
    const app = p.services.find((s) => s.name === 'app')!;
    if (app.kind !== 'container') throw new Error('fixture');
    app.command = ['sh', '-c', 'echo $HOME'];
    const s = services(p);
    expect(s.app!.command).toEqual(['sh', '-c', 'echo $$HOME']);
    expect((s['migrate-schema']!.entrypoint as string[])[2]).toContain('f=$${path##*/}');
    expect(toYaml({ restart: 'no' })).toBe('restart: "no"\n');
  });

  it('leaves out host processes, saying why, and the dependencies on them', () => {
    const p = demoProject();
    p.services.push({
      kind: 'process', name: 'web', command: ['sh', '-c', 'npm run dev'], cwd: '/src/demo', env: { DB_HOST: [{ service: 'db', field: 'host' }], DB_PORT: [{ service: 'db', field: 'port' }], PORT: ['4150'] }, health: { type: 'none' }, oneshot: false,
      dependsOn: [], aliases: [], restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000,
    });
    const cache = p.services.find((s) => s.name === 'cache')!;
    cache.dependsOn.push({ service: 'web', condition: 'started' });
    const result = exportCompose(p, { secrets: 'env', outDir: '/src/demo' });
    expect(Object.keys(result.compose.services as Services)).not.toContain('web');
    expect(result.skipped).toEqual([
      'cache depends on web, which runs on the host: that dependency is left out',
      'service web: a process: service runs on the host, which a Compose file cannot describe; run it yourself (`npm run dev`), with DB_HOST, DB_PORT set for db on 127.0.0.1 at the port `docker compose port db 5432` prints (`devenv env` shows the same names for devenv\'s stack)',
    ]);
  });

  it('for a Swarm: pushed image names, no build or depends_on, deploy sections, no ports, an attachable overlay', () => {
    const result = exportCompose(demoProject(), { secrets: 'inline', outDir: '/src/demo', swarm: { registry: 'reg.local:5000/team' } });
    const c = result.compose as { version: string; services: Services; networks: unknown };
    expect(c.version).toBe('3.8');
    expect(c.networks).toEqual({ default: { driver: 'overlay', attachable: true } });
    expect(c.services.app!.image).toBe('reg.local:5000/team/demo-app:devenv');
    for (const svc of Object.values(c.services)) {
      expect(svc).not.toHaveProperty('build');
      expect(svc).not.toHaveProperty('depends_on');
      expect(svc).not.toHaveProperty('ports');
    }
    expect(c.services.app!.deploy).toEqual({ endpoint_mode: 'dnsrr', replicas: 1, restart_policy: { condition: 'any', delay: '2s' } });
    expect(c.services['migrate-schema']!.deploy).toMatchObject({ restart_policy: { condition: 'on-failure' } });
    expect(c.services['migrate-schema']!.volumes).toEqual(['/src/demo/db/migrations:/migrations:ro']);
    expect(result.skipped).toContain('app: its ports (127.0.0.1:3000:3000): Swarm publishes on every address of the node, not 127.0.0.1 alone; add `ports` (mode: host) yourself where the node is private, or reach it from a container on the stack\'s network');
  });
});
