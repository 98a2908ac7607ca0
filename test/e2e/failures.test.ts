/** What a user sees when `up` cannot succeed: a clear error, a distinct exit code, nothing left running. */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { devenv, freePort } from '../helpers/cli.js';
import { projectResources, removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

/** devenv.yml of a fresh copy of the fixture: a run writes .devenv/ into the copy. */
const fixture = (name: string) => `${copyProject(`test/fixtures/e2e/${name}`)}/devenv.yml`;
const projects: string[] = [];
const newProject = (prefix: string) => {
  const p = uniqueProject(prefix);
  projects.push(p);
  return p;
};

describe('up failures', () => {
  afterEach(async () => { await Promise.all(projects.splice(0).map(removeProject)); });

  it('a failing sql: migration stops up, names the file and the error, and removes what it started', async () => {
    const project = newProject('badsql');
    const r = await devenv(['up', '-d', '-f', fixture('failing-sql'), '-p', project]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('migration "schema": 002_bad.sql failed');
    expect(r.stderr).toContain('relation "thngs" does not exist');
    expect(r.stderr).toMatch(/line 3/);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  });

  it('a failing init file is named as devenv.yml names it, with its line; its new volume goes', async () => {
    const project = newProject('badinit');
    const r = await devenv(['up', '-d', '-f', fixture('failing-init'), '-p', project]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('db\'s init file ./bad.sql (postgres.init[1]) failed at line 3: database "shop" already exists');
    expect(r.stderr).toContain('devenv creates the database "shop" itself (db.postgres.database): the init file must not.');
    expect(await projectResources(project)).toEqual([]);
  });

  it('a failing run: migration shows its output and exit code', async () => {
    const project = newProject('badrun');
    const r = await devenv(['up', '-d', '-f', fixture('failing-run'), '-p', project]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('migration "schema"');
    expect(r.stderr).toContain('exited with code 4');
    expect(r.stderr).toContain('error: relation users does not exist');
    expect(await projectResources(project)).toEqual([]);
  });

  it('an app that exits during start fails at once with its exit code and last log lines, and keeps them', async () => {
    // The health deadline is 10 minutes: only noticing the exit can end this within the test's timeout.
    const project = newProject('exits');
    const file = fixture('exits-on-start');
    const r = await devenv(['up', '-d', '-f', file, '-p', project]);
    expect(r.code).toBe(8);
    expect(r.stderr).toContain('app exited with code 3');
    expect(r.stderr).toContain('cannot connect to the database');
    expect(r.stderr).toContain("app's container is kept, stopped: `devenv logs app` shows its output");
    // The evidence outlives the failed run: the stopped container, and its logs through devenv.
    expect(await projectResources(project)).toEqual([`container ${project}-app`, `network ${project}-net`]);
    const logs = await devenv(['logs', 'app', '-p', project]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('cannot connect to the database');
    // The next up replaces the kept container instead of starting it again, and says so.
    const again = await devenv(['up', '-d', '-f', file, '-p', project]);
    expect(again.code).toBe(8);
    expect(again.stdout).toContain('container:app create (replaces the container a failed run kept (exited with code 3)');
  }, 60_000);

  it('a host port already taken fails with a message naming the port', async () => {
    const project = newProject('port');
    const port = await freePort();
    const server: Server = createServer().listen(port, '127.0.0.1');
    try {
      const r = await devenv(['up', '-d', '-f', fixture('port-taken'), '-p', project], { env: { TAKEN_PORT: String(port) } });
      expect(r.code).toBe(5);
      // This test's own process holds it: named with its pid, as `ss -ltnp` would.
      expect(r.stderr).toContain(`port 127.0.0.1:${port} for web is already in use by node (pid ${process.pid}: `);
      expect(await projectResources(project)).toEqual([]);
      // --plan shows the plan all the same, then what would stop it.
      const plan = await devenv(['up', '--plan', '-f', fixture('port-taken'), '-p', project], { env: { TAKEN_PORT: String(port) } });
      expect(plan.code).toBe(5);
      expect(plan.stdout).toContain('container:web create');
      expect(plan.stderr).toContain(`up would stop before changing anything: port 127.0.0.1:${port} for web is already in use by node (pid ${process.pid}`);
    } finally {
      server.close();
    }
  });

  it('no engine: says which address was tried and what to do', async () => {
    const r = await devenv(['up', '-d', '-f', fixture('two-services'), '-p', newProject('noengine')], { env: { DOCKER_HOST: 'unix:///tmp/devenv-no-such.sock' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('unix:///tmp/devenv-no-such.sock');
    expect(r.stderr).toContain('DOCKER_HOST');
  });

  it('an image that cannot be pulled names it and says `image:` can point elsewhere', async () => {
    const project = newProject('pull');
    const r = await devenv(['up', '-d', '-f', fixture('unpullable'), '-p', project]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('devenv-no-such-image:1');
    expect(r.stderr).toContain('image:');
    expect(await projectResources(project)).toEqual([]);
  });

  it('a failing build shows the failing step and its output; a database still initialising is killed with its fresh volume', async () => {
    const project = newProject('build');
    const r = await devenv(['up', '-d', '-f', fixture('failing-build'), '-p', project]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('failed at step "RUN sleep 1 && echo "compiling assets" && nonexistent-tool --minify"');
    expect(r.stderr).toContain('nonexistent-tool: not found');
    // Killed, not stopped (Postgres ignores a stop while it initialises), and its volume removed so the
    // next up initialises it afresh instead of finding a half-made one.
    expect(r.stdout).toContain('container:db remove (never became ready; killed)');
    expect(await projectResources(project)).toEqual([]);
  });
});

describe('reuse', () => {
  afterEach(async () => { await Promise.all(projects.splice(0).map(removeProject)); });

  it('a user or database changed after the volume was made: up names what the volume holds and how to use it', async () => {
    const project = newProject('renamed');
    const dir = copyProject('test/fixtures/e2e/db-only');
    const file = `${dir}/devenv.yml`;
    expect((await devenv(['up', '-d', '-f', file, '-p', project])).code).toBe(0);
    writeFileSync(file, 'services:\n  db:\n    postgres: { database: store }\n');
    const database = await devenv(['up', '-d', '-f', file, '-p', project]);
    expect(database.code).toBe(6);
    expect(database.stderr).toMatch(/has no database "store"; its data volume holds "shop"/);
    expect(database.stderr).toContain('set `database: shop` under db.postgres in devenv.yml');
    writeFileSync(file, 'services:\n  db:\n    postgres: { database: shop, user: bob }\n');
    const user = await devenv(['up', '-d', '-f', file, '-p', project]);
    expect(user.code).toBe(6);
    expect(user.stderr).toContain('password authentication failed for user "bob"; its data volume was initialised with user "postgres"');
    expect(user.stderr).toContain('Set `user: postgres` under db.postgres in devenv.yml');
    // The data is still there for the old values.
    writeFileSync(file, 'services:\n  db:\n    postgres: { database: shop }\n');
    expect((await devenv(['up', '-d', '-f', file, '-p', project])).code).toBe(0);
  });

  it('a changed env recreates only that service and says which field changed', async () => {
    const project = newProject('reuse');
    const file = fixture('two-services');
    const first = await devenv(['up', '-d', '-f', file, '-p', project]);
    expect(first.code).toBe(0);
    const again = await devenv(['up', '-d', '-f', file, '-p', project], { env: { GREETING: 'hi' } });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/container:web create \(config changed: env.GREETING[;)]/);
    expect(again.stdout).not.toContain('container:worker');
  });
});
