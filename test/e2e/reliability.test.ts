/** Faults on purpose: two commands at once, names devenv did not create, a crash loop. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devenv, devenvAttached } from '../helpers/cli.js';
import { docker, projectResources, removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject, tempDir } from '../helpers/temp.js';

const projects: string[] = [];
const foreign: (() => Promise<unknown>)[] = [];
const newProject = (prefix: string) => {
  const p = uniqueProject(prefix);
  projects.push(p);
  return p;
};

afterEach(async () => {
  await Promise.all(foreign.splice(0).map((remove) => remove().catch(() => undefined)));
  await Promise.all(projects.splice(0).map(removeProject));
});

describe('one command at a time per project', () => {
  it('two ups at once: the second waits for the first, both succeed, one network and one database', async () => {
    const project = newProject('twoups');
    const dir = copyProject('test/fixtures/e2e/reliability');
    const first = devenv(['up', '-d', '-p', project], { cwd: dir });
    await new Promise((r) => setTimeout(r, 300));
    const second = devenv(['up', '-d', '-p', project], { cwd: dir });
    const [a, b] = await Promise.all([first, second]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stderr + b.stderr).toMatch(/waiting for the `up` started \d+ s ago by pid \d+ to finish/);
    expect(await projectResources(project)).toEqual([`container ${project}-db`, `container ${project}-web`, `network ${project}-net`, `volume ${project}-db-data`]);
  });

  it('Ctrl-C of an attached up still waiting for the lock stops only the wait: the other up\'s stack stays', async () => {
    const project = newProject('waitint');
    const dir = copyProject('test/fixtures/e2e/reliability');
    // The second starts once the first holds the lock (its first step is under way), not after a fixed
    // pause: on a loaded machine Node alone can take longer than any pause.
    const first = devenvAttached(['up', '-d', '-p', project], { cwd: dir });
    await first.waitFor(/▸ /);
    const second = devenvAttached(['up', '-p', project], { cwd: dir });
    await second.waitFor(/waiting for the `up` started \d+ s ago/);
    second.child.kill('SIGINT');
    const ended = await second.exited;
    expect(ended.code).toBe(130);
    expect((await first.exited).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await projectResources(project)).toEqual([`container ${project}-db`, `container ${project}-web`, `network ${project}-net`, `volume ${project}-db-data`]);
  });

  it('down while up runs waits for it, then removes everything but the data', async () => {
    const project = newProject('updown');
    const dir = copyProject('test/fixtures/e2e/reliability');
    const up = devenvAttached(['up', '-d', '-p', project], { cwd: dir });
    await up.waitFor(/▸ /);
    const down = await devenv(['down', '-p', project], { cwd: dir });
    const upped = await up.exited;
    expect(upped.code).toBe(0);
    expect(down.code).toBe(0);
    expect(down.stderr).toMatch(/waiting for the `up` started \d+ s ago/);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  });
});

describe('ownership', () => {
  it('a container and a volume with devenv\'s names but not its labels stop up before anything starts', async () => {
    const project = newProject('taken');
    const dir = copyProject('test/fixtures/e2e/reliability');
    const volume = `${project}-db-data`;
    await docker.createVolume({ Name: volume });
    foreign.push(() => docker.getVolume(volume).remove());
    const container = await docker.createContainer({ Image: 'busybox', name: `${project}-web`, Cmd: ['true'] });
    foreign.push(() => container.remove({ force: true }));
    const r = await devenv(['up', '-d', '-p', project], { cwd: dir });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain(`names devenv would create for project "${project}" are taken by resources devenv did not create for it; nothing was changed`);
    expect(r.stderr).toContain(`volume ${project}-db-data: has no devenv label`);
    expect(r.stderr).toContain(`container ${project}-web: has no devenv label`);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    // Nothing was created, and what was there is untouched and still unlabelled.
    expect(await projectResources(project)).toEqual([]);
    expect((await docker.getVolume(volume).inspect()).Labels ?? {}).toEqual({});
    expect((await container.inspect()).Id).toBeTruthy();
  });

  it('a second checkout under the same project name leaves the first one\'s containers alone', async () => {
    const project = newProject('twin');
    const first = copyProject('test/fixtures/e2e/two-services');
    const second = copyProject('test/fixtures/e2e/two-services');
    // The second checkout has one service fewer: without the check, its up would remove the first's worker.
    writeFileSync(join(second, 'devenv.yml'), readFileSync(join(second, 'devenv.yml'), 'utf8').replace(/  worker:[\s\S]*$/, ''));
    expect((await devenv(['up', '-d', '-p', project], { cwd: first })).code).toBe(0);
    const before = await projectResources(project);
    const r = await devenv(['up', '-d', '-p', project], { cwd: second });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain(`error: project "${project}" is up from another devenv.yml: ${join(first, 'devenv.yml')} (${project}-web, ${project}-worker); nothing was changed`);
    expect(r.stderr).toContain('set `name:` in');
    expect(await projectResources(project)).toEqual(before);
    // A checkout that moved (its devenv.yml is gone) is the same project: its next up takes over.
    rmSync(join(first, 'devenv.yml'));
    const moved = await devenv(['up', '-d', '-p', project], { cwd: second });
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain('container:worker remove (service no longer in devenv.yml)');
  });
});

describe('a service that changes kind', () => {
  it('from a container to a host process and back: what ran it before is removed, not left running beside it', async () => {
    const project = newProject('kind');
    const dir = tempDir('kind');
    const write = (service: string) => writeFileSync(join(dir, 'devenv.yml'), `services:\n  worker:\n${service}\n`);
    const cli = (...args: string[]) => devenv(['-p', project, ...args], { cwd: dir });
    try {
      write('    image: busybox\n    command: sleep 600');
      expect((await cli('up', '-d')).code).toBe(0);
      write('    process: sleep 600');
      const toHost = await cli('up', '-d');
      expect(toHost.code).toBe(0);
      expect(toHost.stdout).toContain('container:worker remove (now a host process (process:))');
      expect((await projectResources(project)).filter((r) => r.startsWith('container'))).toEqual([]);
      const rows = (await cli('ps', '--json')).stdout;
      expect((JSON.parse(rows) as { containers: { service: string }[] }).containers.map((r) => r.service)).toEqual(['worker']);
      write('    image: busybox\n    command: sleep 600');
      const back = await cli('up', '-d');
      expect(back.code).toBe(0);
      expect(back.stdout).toContain('process:worker remove (now runs in a container)');
      expect((JSON.parse((await cli('ps', '--json')).stdout) as { containers: { service: string; state: string }[] }).containers).toEqual([
        expect.objectContaining({ service: 'worker', state: expect.stringMatching(/^running/) }),
      ]);
    } finally {
      await cli('down');
    }
  });
});

describe('crash loops', () => {
  it('ps shows a container the engine gave up restarting as errored, with its restarts and exit code', async () => {
    const project = newProject('crashloop');
    const dir = copyProject('test/fixtures/e2e/crashloop');
    expect((await devenv(['up', '-d', '-p', project], { cwd: dir })).code).toBe(0);
    let ps = '';
    for (let i = 0; i < 60 && !ps.includes('errored'); i += 1) {
      await new Promise((r) => setTimeout(r, 500));
      ps = (await devenv(['ps', '-p', project], { cwd: dir })).stdout;
    }
    expect(ps).toContain('errored: exited with code 3 after 2 restarts; the engine gave up (restart: on-failure, max_restarts: 2)');
    expect((await devenv(['logs', 'worker', '-p', project], { cwd: dir })).stdout).toContain('giving up');
  });
});

describe('Ctrl-C of a detached up', () => {
  it('removes only what that up created: a stack an earlier up -d started stays running', async () => {
    const project = newProject('dint');
    const dir = copyProject('test/fixtures/e2e/reliability');
    writeFileSync(join(dir, 'devenv.yml'), `${readFileSync(join(dir, 'devenv.yml'), 'utf8')}migrations:
  - name: slow
    run: ["sh", "-c", "echo migrating; sleep \${MIGRATE_SLEEP:-0}"]
    service: web
`);
    expect((await devenv(['up', '-d', '-p', project], { cwd: dir })).code).toBe(0);
    const before = await projectResources(project);
    // A changed command runs the step again: long enough to be interrupted.
    const up = devenvAttached(['up', '-d', '-p', project], { cwd: dir, env: { MIGRATE_SLEEP: '60' } });
    await up.waitFor('migrating');
    up.child.kill('SIGINT');
    const result = await up.exited;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Interrupted; what this up created is removed, what was running before stays.');
    expect(await projectResources(project)).toEqual(before);
    const ps = await devenv(['ps', '--json', '-p', project], { cwd: dir });
    expect((JSON.parse(ps.stdout) as { containers: { state: string }[] }).containers.map((c) => c.state)).toEqual(['running', 'running']);
  }, 60_000);
});

describe('restart policies, attached', () => {
  it('an attached up follows a service its policy restarts, says so, and keeps the stack up until Ctrl-C', async () => {
    const project = newProject('restarts');
    const dir = copyProject('test/fixtures/e2e/restarts');
    const up = devenvAttached(['up', '-p', project], { cwd: dir });
    await up.waitFor(/worker \| exited with code 3; its restart policy restart(s|ed) it \(restart 1\)/);
    await up.waitFor(/worker \| worker run[\s\S]*worker \| worker run[\s\S]*worker \| worker run/);
    expect(up.output()).not.toContain('Every service has stopped');
    up.child.kill('SIGINT');
    expect((await up.exited).code).toBe(130);
    expect(await projectResources(project)).toEqual([]);
  });
});

describe('kill -9 of an attached up', () => {
  const kept = '(data volumes stay)';
  const uninitialised = (project: string) => `(data volumes stay, except ${project}-db-data: its database never initialised)`;
  it.each([
    ['while it streams logs', [], 'Streaming logs', kept],
    // A database killed while it initialises leaves a half-made volume that every later start would trip on.
    ['while it waits for Postgres', [], '▸ postgres:db ready', uninitialised],
    ['while it checks the app', [], '▸ service:web healthy', kept],
    // `up web` owns the database it creates for web, from the start.
    ['up web, while it streams logs', ['web'], 'Streaming logs', kept],
    ['up web, while it waits for Postgres', ['web'], '▸ postgres:db ready', uninitialised],
  ] as const)('%s: its watchdog removes what that up brought up, keeping an initialised data volume', async (_, services, when, volumes) => {
    const project = newProject('kill9');
    const dir = copyProject('test/fixtures/e2e/reliability');
    const up = devenvAttached(['up', '-p', project, ...services], { cwd: dir });
    await up.waitFor(when);
    up.child.kill('SIGKILL');
    await up.exited;
    const expected = volumes === kept ? [`volume ${project}-db-data`] : [];
    let left: string[] = [];
    for (let i = 0; i < 100; i += 1) {
      left = await projectResources(project);
      if (left.length === expected.length && left.every((r) => r.startsWith('volume '))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(left).toEqual(expected);
    const said = typeof volumes === 'string' ? volumes : volumes(project);
    expect(readFileSync(join(dir, '.devenv/watchdog.log'), 'utf8')).toContain(`the attached \`up\` of project "${project}" ended without tearing down; removing ${services.length > 0 ? 'web, db' : 'db, web'} ${said}`);
  });

  it('a clean Ctrl-C leaves the watchdog nothing to do', async () => {
    const project = newProject('bye');
    const dir = copyProject('test/fixtures/e2e/reliability');
    const up = devenvAttached(['up', '-p', project], { cwd: dir });
    await up.waitFor('Streaming logs');
    up.child.kill('SIGINT');
    expect((await up.exited).code).toBe(130);
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(join(dir, '.devenv/watchdog.log'))).toBe(false);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  });
});

describe('a database volume of another Postgres major version', () => {
  it('labelled by devenv: refused before anything starts, naming both versions and the ways out', async () => {
    const project = newProject('pgmajor');
    const dir = copyProject('test/fixtures/e2e/reliability');
    await docker.createVolume({ Name: `${project}-db-data`, Labels: { 'dev.devenv.project': project, 'dev.devenv.postgres-major': '14' } });
    // The password it was made with is known, as after an earlier up (else that is the first error).
    mkdirSync(join(dir, '.devenv'), { recursive: true });
    writeFileSync(join(dir, '.devenv/secrets.json'), '{ "passwords": { "db": "from-before" } }\n');
    const r = await devenv(['up', '-d', '-p', project], { cwd: dir });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(`db's data volume ${project}-db-data was initialised by PostgreSQL 14, and postgres:15 runs PostgreSQL 15, which cannot open it; nothing was started`);
    expect(r.stderr).toContain('devenv down --volumes');
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  });

  it('found by Postgres itself (a volume from before the label): the same error, from its refusal', async () => {
    const project = newProject('pgmajor2');
    const dir = copyProject('test/fixtures/e2e/reliability');
    expect((await devenv(['up', '-d', '-p', project], { cwd: dir })).code).toBe(0);
    expect((await devenv(['down', '-p', project], { cwd: dir })).code).toBe(0);
    // Make the data folder claim another major version, as a volume initialised by PostgreSQL 14 would.
    const volume = `${project}-db-data`;
    const edit = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo 14 > /data/PG_VERSION'], HostConfig: { Binds: [`${volume}:/data`] } });
    foreign.push(() => edit.remove({ force: true }));
    await edit.start();
    await edit.wait();
    const r = await devenv(['up', '-d', '-p', project], { cwd: dir });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(new RegExp(`db's data volume ${volume} was initialised by PostgreSQL 14, and postgres:15 runs PostgreSQL 15, which cannot open it`));
    expect(await projectResources(project)).toEqual([`volume ${volume}`]);
  });
});

describe('a deleted .devenv/secrets.json', () => {
  it('while the database runs: up takes its password back and replaces nothing; with only its volume left: a hint that works', async () => {
    const project = newProject('secrets');
    const dir = copyProject('test/fixtures/e2e/reliability');
    const secrets = join(dir, '.devenv/secrets.json');
    expect((await devenv(['up', '-d', '-p', project], { cwd: dir })).code).toBe(0);
    const before = readFileSync(secrets, 'utf8');
    // Everything devenv keeps there is private: the folder 0700, every file 0600.
    expect(statSync(join(dir, '.devenv')).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(join(dir, '.devenv'))) expect([f, statSync(join(dir, '.devenv', f)).mode & 0o777]).toEqual([f, 0o600]);
    rmSync(secrets);
    const again = await devenv(['up', '-d', '-p', project], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('container:db create');
    expect(readFileSync(secrets, 'utf8')).toBe(before);

    expect((await devenv(['down', '-p', project], { cwd: dir })).code).toBe(0);
    rmSync(secrets);
    const stranded = await devenv(['up', '-d', '-p', project], { cwd: dir });
    expect(stranded.code).toBe(2);
    expect(stranded.stderr).toContain(`db's database (volume ${project}-db-data) was created with a password devenv no longer has`);
    expect(stranded.stderr).toContain('set `password:` of db in devenv.yml');
    expect(existsSync(secrets)).toBe(false);
    // The hint works: the old password in devenv.yml brings the same database back.
    const password = (JSON.parse(before) as { passwords: Record<string, string> }).passwords.db!;
    writeFileSync(join(dir, 'devenv.yml'), readFileSync(join(dir, 'devenv.yml'), 'utf8').replace('postgres: {}', `postgres: { password: "${password}" }`));
    expect((await devenv(['up', '-d', '-p', project], { cwd: dir })).code).toBe(0);
  });
});
