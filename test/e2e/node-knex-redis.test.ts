/** The second example: a `run:` migration (knex) in the app's image, and a redis service. */
import { appendFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devenv, freePort, http } from '../helpers/cli.js';
import { projectResources, removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

const file = `${copyProject('examples/node-knex-redis')}/devenv.yml`;
const project = uniqueProject('knex');
let port: number;

describe.sequential('examples/node-knex-redis', { shuffle: false }, () => {
  afterAll(() => removeProject(project));

  it('comes up with its knex migration applied and counts visits in redis and postgres', async () => {
    port = await freePort();
    const r = await devenv(['up', '-d', '-f', file, '-p', project], { env: { APP_PORT: String(port) } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('migration:schema run');
    expect(r.stdout).toMatch(/Batch 1 run: 1 migrations/);
    expect(r.stdout).toContain(`http://127.0.0.1:${port}`);
    expect((await http(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const first = JSON.parse((await http(`http://127.0.0.1:${port}/visits`)).body);
    const second = JSON.parse((await http(`http://127.0.0.1:${port}/visits`)).body);
    expect(JSON.stringify(second)).not.toBe(JSON.stringify(first));
  });

  it('a second up skips the knex migration: its image, command and env are unchanged', async () => {
    const r = await devenv(['up', '-d', '-f', file, '-p', project], { env: { APP_PORT: String(port) } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('migration:schema run (unchanged since its last success on this database; skipped (up --migrate runs it))');
  });

  it('up --build with nothing changed rebuilds from the cache into the same image: the app stays, the migration is skipped', async () => {
    const r = await devenv(['up', '-d', '--build', '-f', file, '-p', project], { env: { APP_PORT: String(port) } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('image:app build (--build)');
    expect(r.stdout).toMatch(/✔ container:app create [\d.]+s \(kept: the build gave the image it runs\)/);
    expect(r.stdout).toMatch(/✔ migration:schema run [\d.]+s \(skipped: its image came out as it was at its last success\)/);
  });

  it('restart app after a new migration file: the rebuilt image\'s migration runs before the app starts on it', async () => {
    writeFileSync(join(dirname(file), 'migrations/20250102000000_add_note.cjs'), "exports.up = (knex) => knex.schema.alterTable('visits', (t) => { t.text('note'); });\nexports.down = (knex) => knex.schema.alterTable('visits', (t) => { t.dropColumn('note'); });\n");
    const r = await devenv(['restart', 'app', '-f', file, '-p', project], { env: { APP_PORT: String(port) } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('image:app build (build context changed: added migrations/20250102000000_add_note.cjs)');
    expect(r.stdout).toContain('migration:schema run (runs in app\'s image, rebuilt: applies what is new;');
    expect(r.stdout).toMatch(/Batch 2 run: 1 migrations/);
    expect(r.stdout).not.toMatch(/container:(db|cache)/);
    // An unchanged restart builds and migrates nothing.
    const again = await devenv(['restart', 'app', '-f', file, '-p', project], { env: { APP_PORT: String(port) } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('migration:schema');
  });

  it('db reset after a new migration file: the image it runs in is rebuilt first, so the reset database has it', async () => {
    writeFileSync(join(dirname(file), 'migrations/20250103000000_add_source.cjs'), "exports.up = (knex) => knex.schema.alterTable('visits', (t) => { t.text('source'); });\nexports.down = (knex) => knex.schema.alterTable('visits', (t) => { t.dropColumn('source'); });\n");
    const r = await devenv(['db', 'reset', '--yes', '-f', file, '-p', project], { env: { APP_PORT: String(port) } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('image:app build (build context changed: added migrations/20250103000000_add_source.cjs)');
    expect(r.stdout).toMatch(/Batch 1 run: \d+ migrations/);
    expect(r.stdout).toContain('Note: app still runs the image built before; `devenv up` puts it on the new one.');
    const columns = await devenv(['exec', '-T', '-f', file, '-p', project, 'db', 'psql', '-tAc', "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'visits'"]);
    expect(columns.stdout.trim().split(','), columns.stderr).toContain('source');
  });

  it('db dump into the project says the next build would copy it into the image, until .dockerignore leaves it out', async () => {
    const inside = await devenv(['db', 'dump', '-f', file, '-p', project, '-o', join(dirname(file), 'dump.sql')]);
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stderr).toMatch(/^Dumped database "visits" of db to .*dump\.sql \(plain format, [\d.]+ kB\) in [\d.]+ s\.\n/);
    expect(inside.stderr).toContain('dump.sql is in app\'s build context, and no .dockerignore leaves it out: the next `up` sends it to the engine');
    appendFileSync(join(dirname(file), '.dockerignore'), '\n*.sql\n');
    const ignored = await devenv(['db', 'dump', '-f', file, '-p', project, '-o', join(dirname(file), 'again.sql')]);
    expect(ignored.code, ignored.stderr).toBe(0);
    expect(ignored.stderr).not.toContain('Note:');
    const nowhere = await devenv(['db', 'dump', '-f', file, '-p', project, '-o', join(dirname(file), 'missing/dump.sql')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain(`cannot write ${join(dirname(file), 'missing/dump.sql')}: the folder ${join(dirname(file), 'missing')} does not exist`);
  });

  it('with inputs, a code edit rebuilds the image without running the migration again; a new migration file runs it', async () => {
    const up = () => devenv(['up', '-d', '-f', file, '-p', project], { env: { APP_PORT: String(port) } });
    appendFileSync(file, '    inputs: [migrations, knexfile.cjs, package-lock.json]\n');
    // The record now holds the inputs in place of the image ID: once more, then settled.
    expect((await up()).code).toBe(0);
    appendFileSync(join(dirname(file), 'server.js'), '// a code edit\n');
    const edit = await up();
    expect(edit.code, edit.stderr).toBe(0);
    expect(edit.stdout).toContain('image:app build (build context changed: server.js)');
    expect(edit.stdout).toContain('migration:schema run (unchanged since its last success on this database; skipped (up --migrate runs it))');
    writeFileSync(join(dirname(file), 'migrations/20250104000000_add_agent.cjs'), "exports.up = (knex) => knex.schema.alterTable('visits', (t) => { t.text('agent'); });\nexports.down = (knex) => knex.schema.alterTable('visits', (t) => { t.dropColumn('agent'); });\n");
    const migration = await up();
    expect(migration.code, migration.stderr).toBe(0);
    expect(migration.stdout).toContain('migration:schema run (applies what is new (its files changed since its last success))');
    expect(migration.stdout).toMatch(/Batch \d+ run: 1 migrations/);
  });

  it('down --volumes --images leaves nothing of the project', async () => {
    const r = await devenv(['down', '--volumes', '--images', '-p', project]);
    expect(r.code).toBe(0);
    expect(await projectResources(project)).toEqual([]);
  });
});
