/**
 * The first example, end to end: the CLI brings it up healthy and migrated, a second up reuses it,
 * down keeps the data, down --volumes removes it. Real engine, real Postgres, real HTTP.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devenv, freePort, http } from '../helpers/cli.js';
import { projectResources, removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

const file = `${copyProject('examples/node-postgres')}/devenv.yml`;
const project = uniqueProject('np');
let port: number;
/** The database's host port, as the first up printed it. */
let dbPort: string | undefined;
const dbPortIn = (stdout: string) => /db\s+postgres:\/\/\S+@127\.0\.0\.1:(\d+)\//.exec(stdout)?.[1];
const up = () => devenv(['up', '-d', '-f', file, '-p', project], { env: { APP_PORT: String(port) } });

describe.sequential('examples/node-postgres', { shuffle: false }, () => {
  beforeAll(async () => { port = await freePort(); });
  afterAll(() => removeProject(project));

  it('comes up healthy and migrated, and prints its URL', async () => {
    const r = await up();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('image:app build');
    expect(r.stdout).toContain('2 applied, 0 already applied');
    expect(r.stdout).toMatch(new RegExp(`app\\s+http://127\\.0\\.0\\.1:${port}`));
    expect(r.stdout).toMatch(/db\s+postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/notes/);
    dbPort = dbPortIn(r.stdout);
    expect(await http(`http://127.0.0.1:${port}/health`)).toMatchObject({ status: 200 });
    const posted = await http(`http://127.0.0.1:${port}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ body: 'kept across down' }) });
    expect(posted.status).toBeLessThan(300);
  });

  it('a second up with nothing changed recreates nothing and skips the unchanged migration', async () => {
    const r = await up();
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/container:\w+ (create|remove|start)|image:app build/);
    expect(r.stdout).toContain('service:app healthy (container reused)');
    expect(r.stdout).toContain('migration:schema sql (unchanged since its last success on this database; skipped (up --migrate runs it))');
    const forced = await devenv(['up', '-d', '--migrate', '-f', file, '-p', project], { env: { APP_PORT: String(port) } });
    expect(forced.stdout).toContain('0 applied, 2 already applied');
    // A new file is a change: the step runs and applies it.
    writeFileSync(join(dirname(file), 'db/migrations/003_tags.sql'), 'ALTER TABLE notes ADD COLUMN tag text;\n');
    expect((await up()).stdout).toContain('1 applied, 2 already applied');
  });

  it('ps lists the running containers, published on 127.0.0.1 only', async () => {
    const r = await devenv(['ps', '--json', '-p', project]);
    expect(r.code).toBe(0);
    const { containers } = JSON.parse(r.stdout) as { containers: { service: string; state: string; ports: string[] }[] };
    expect(containers.map((c) => `${c.service} ${c.state}`)).toEqual(['app running', 'db running']);
    for (const p of containers.flatMap((c) => c.ports)) expect(p).toMatch(/^127\.0\.0\.1:/);
  });

  it('env prints a DATABASE_URL that works from the host', async () => {
    const r = await devenv(['env', '-f', file, '-p', project]);
    expect(r.code).toBe(0);
    const url = /^DATABASE_URL=(.+)$/m.exec(r.stdout)?.[1];
    expect(url).toMatch(/^postgres:\/\/postgres:.+@127\.0\.0\.1:\d+\/notes$/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('select count(*)::int as n from notes');
      expect(rows[0].n).toBeGreaterThanOrEqual(2);
    } finally {
      await client.end();
    }
  });

  it('env --export lines work with eval in a shell', async () => {
    const r = await devenv(['env', '--export', '-f', file, '-p', project]);
    expect(r.code).toBe(0);
    const shell = spawnSync('sh', ['-c', `eval "$1"; echo "$PGUSER@$PGHOST:$PGPORT/$PGDATABASE"`, 'sh', r.stdout], { encoding: 'utf8' });
    expect(shell.stdout.trim()).toMatch(/^postgres@127\.0\.0\.1:\d+\/notes$/);
  });

  it('down removes containers and network and keeps the data for the next up', async () => {
    const down = await devenv(['down', '-p', project], { cwd: '/' });
    expect(down.code).toBe(0);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);

    const again = await up();
    expect(again.code).toBe(0);
    expect((await http(`http://127.0.0.1:${port}/notes`)).body).toContain('kept across down');
    // Same database volume, same files: nothing to apply.
    expect(again.stdout).toContain('migration:schema sql (unchanged since its last success on this database');
    // The engine picked the database's host port the first time; it is asked for again, so a saved
    // DATABASE_URL still works after down and up.
    expect(dbPortIn(again.stdout)).toBe(dbPort);
  });

  it('down --volumes removes the data too', async () => {
    const r = await devenv(['down', '--volumes', '-p', project], { cwd: '/' });
    expect(r.code).toBe(0);
    expect(await projectResources(project)).toEqual([]);
    // A new database volume: the migration runs again, whatever it last succeeded with.
    const fresh = await up();
    expect(fresh.stdout).toContain('3 applied, 0 already applied');
    expect((await devenv(['down', '--volumes', '-p', project], { cwd: '/' })).code).toBe(0);
  });
});
