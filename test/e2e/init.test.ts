/** devenv init on real projects: the devenv.yml it writes brings the app up, and a Compose file imports. */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devenv, http } from '../helpers/cli.js';
import { removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject, tempDir } from '../helpers/temp.js';

const projects: string[] = [];
afterAll(() => Promise.all(projects.map(removeProject)));

describe('devenv init', () => {
  it('writes a devenv.yml for node-knex-redis (no devenv.yml) that comes up healthy and migrated', async () => {
    const dir = copyProject('examples/node-knex-redis');
    rmSync(join(dir, 'devenv.yml'));
    const init = await devenv(['init'], { cwd: dir });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('db: Postgres 15, because package.json uses pg, knex');
    expect(init.stdout).toContain("migration migrate: package.json's `migrate` script");
    expect((await devenv(['init'], { cwd: dir })).stderr).toContain('devenv.yml exists already');
    const project = uniqueProject('init');
    projects.push(project);
    const up = await devenv(['-p', project, 'up', '-d'], { cwd: dir, env: { APP_PORT: '0' } });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/✔ migration:migrate run/);
    const port = Number(/app\s+127\.0\.0\.1:(\d+)/.exec(up.stdout)![1]);
    const visits = await http(`http://127.0.0.1:${port}/visits`);
    expect(visits.status).toBe(200);
  });

  it('with -f sub/devenv.yml describes sub/, the folder the file goes in', async () => {
    const dir = copyProject('examples/node-knex-redis');
    rmSync(join(dir, 'devenv.yml'));
    const inFolder = await devenv(['init', '--print'], { cwd: dir });
    const fromParent = await devenv(['init', '-f', 'node-knex-redis/devenv.yml'], { cwd: dirname(dir) });
    expect(fromParent.code, fromParent.stderr).toBe(0);
    expect(fromParent.stdout).toContain(`Wrote ${join(dir, 'devenv.yml')}`);
    expect(readFileSync(join(dir, 'devenv.yml'), 'utf8')).toBe(inFolder.stdout);
    expect(inFolder.stdout).toContain('build: .');
    // The file alone on stdout; what init found beside it.
    expect(inFolder.stdout).not.toContain('What init found');
    expect(inFolder.stderr).toMatch(/^What init found:\n {2}- /);
    expect((await devenv(['validate', '-f', 'node-knex-redis/devenv.yml'], { cwd: dirname(dir) })).code).toBe(0);
  });

  it('writes a file that does not load yet all the same, naming devenv.yml and a name that differs only in case', async () => {
    const dir = tempDir('init-case');
    writeFileSync(join(dir, 'DockerFile'), 'FROM busybox\n');
    writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  api:\n    build: { context: ., dockerfile: Dockerfile }\n    ports: ["5050:5050"]\n');
    const printed = await devenv(['init', '--print'], { cwd: dir });
    expect(printed.code).toBe(2);
    expect(printed.stdout).toContain('dockerfile: Dockerfile');
    const r = await devenv(['init'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: wrote ${join(dir, 'devenv.yml')}, which does not load yet: `);
    expect(r.stderr).toMatch(/devenv\.yml:\d+:\d+ services\.api\.build\.dockerfile: file "Dockerfile" not found \(there is "DockerFile": names are case-sensitive\)/);
    expect(r.stderr).not.toContain('.devenv-init-');
    expect(readFileSync(join(dir, 'devenv.yml'), 'utf8')).toBe(printed.stdout);
    expect(readdirSync(dir).sort()).toEqual(['DockerFile', 'devenv.yml', 'docker-compose.yml']);
  });

  it('imports the Compose file devenv export wrote, into a devenv.yml that loads', async () => {
    const dir = copyProject('examples/node-postgres');
    expect((await devenv(['export', 'compose', '-o', 'compose.yaml'], { cwd: dir })).code).toBe(0);
    rmSync(join(dir, 'devenv.yml'));
    const init = await devenv(['init'], { cwd: dir });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('imported 3 service(s) from compose.yaml');
    const written = readFileSync(join(dir, 'devenv.yml'), 'utf8');
    expect(written).toContain('postgres:');
    expect(written).toContain('condition: service_completed_successfully');
    const validate = await devenv(['validate'], { cwd: dir });
    expect(validate.code, validate.stderr).toBe(0);
  });
});
