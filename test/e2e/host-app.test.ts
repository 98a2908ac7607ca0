/**
 * examples/host-app, shaped like cal.com: Postgres in a container; the app, its migration and its seed
 * run on this machine, the app under devenv's supervisor. Every step spawns the real CLI; the app is a
 * real Node server on 127.0.0.1, the database a real Postgres.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canBind } from '../../src/engine/host-ports.js';
import { isAlive } from '../../src/supervisor/pids.js';
import { devenv, devenvAttached, freePort, http } from '../helpers/cli.js';
import { projectResources, removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

const dir = copyProject('examples/host-app');
const project = uniqueProject('host');
let port: number;
const env = () => ({ WEB_PORT: String(port) });
const cli = (args: string[], extra: Record<string, string> = {}) => devenv(['-p', project, ...args], { cwd: dir, env: { ...env(), ...extra } });

interface Row { service: string; state: string; pid?: number; restarts: number; lastLines?: string[] }
const web = async (): Promise<Row> => {
  const rows = JSON.parse((await cli(['ps', '--json'])).stdout) as { containers: Row[] };
  return rows.containers.find((r) => r.service === 'web')!;
};

/** Polls until check() holds (the test's timeout bounds it). */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.sequential('examples/host-app', { shuffle: false }, () => {
  beforeAll(async () => {
    port = await freePort();
    // The app's own dependencies, installed on this machine as its README says.
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
  });
  afterAll(async () => {
    await devenv(['down', '-p', project], { cwd: dir }).catch(() => undefined);
    await removeProject(project);
  });

  it('up -d runs the migration and the seed on the host, and the app under the supervisor', async () => {
    const r = await cli(['up', '-d']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('migration:schema process | schema is up to date');
    expect(r.stdout).toContain('migration:seed process | seeded 2 notes');
    expect(r.stdout).toContain(`web  http://127.0.0.1:${port}`);
    expect(JSON.parse((await http(`http://127.0.0.1:${port}/notes`)).body)).toEqual(['first seeded note', 'second seeded note']);
    // The CLI has exited; the app is served by the detached supervisor.
    expect(await web()).toMatchObject({ state: expect.stringMatching(/^running, pid \d+/), restarts: 0 });
  });

  it('a second up keeps the running app, skips the unchanged migration and does not seed again', async () => {
    const before = (await web()).pid;
    const r = await cli(['up', '-d']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service:web healthy (process kept)');
    expect(r.stdout).toMatch(/migration:schema process [\d.]+s \(skipped\)/);
    expect(r.stdout).not.toContain('schema is up to date');
    expect(r.stdout).toMatch(/migration:seed process [\d.]+s \(skipped: already ran on this database \(when: fresh\)\)/);
    expect((await web()).pid).toBe(before);
  });

  it('an edit to a file a host step names in inputs runs it again, saying why', async () => {
    const file = join(dir, 'migrate.js');
    writeFileSync(file, `${readFileSync(file, 'utf8')}// an edit\n`);
    const plan = await cli(['up', '--plan']);
    expect(plan.stdout).toContain('migration:schema process (applies what is new (its files changed since its last success))');
    const r = await cli(['up', '-d']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('migration:schema process | schema is up to date');
  });

  it('an edit reaches the app without devenv (node --watch)', async () => {
    const file = join(dir, 'server.js');
    writeFileSync(file, readFileSync(file, 'utf8').replace("'hello from the host'", "'edited on the host'"));
    await eventually(async () => ((await http(`http://127.0.0.1:${port}/`)).body === 'edited on the host' ? true : undefined));
  });

  it('a killed app is restarted by the supervisor', async () => {
    const { pid } = await web();
    process.kill(-pid!, 'SIGKILL');
    const again = await eventually(async () => {
      const row = await web();
      return row.pid !== undefined && row.pid !== pid && row.state.startsWith('running') ? row : undefined;
    });
    expect(again.restarts).toBe(1);
    await eventually(async () => ((await http(`http://127.0.0.1:${port}/health`)).status === 200 ? true : undefined));
  });

  it('run -- CMD runs a tool on the host with the project\'s environment, its exit code passed through', async () => {
    const r = await cli(['run', '--', 'node', '-e', 'console.log(process.env.DATABASE_URL, process.env.PGDATABASE)']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^postgres:\/\/postgres:\S+@127\.0\.0\.1:\d+\/hostapp hostapp\n$/);
    expect((await cli(['run', '--', 'sh', '-c', 'exit 7'])).code).toBe(7);
    // A host process service's command and folder: run web CMD runs CMD with web's environment.
    expect((await cli(['run', 'web', 'node', '-e', 'console.log(process.env.PORT)'])).stdout).toBe(`${port}\n`);
  });

  it('a crash loop ends errored after max_restarts, with its last output in ps and logs', async () => {
    // Without node --watch, the supervisor sees each exit; a changed command restarts only web.
    const switched = await cli(['up', '-d'], { WEB_COMMAND: 'node server.js' });
    expect(switched.stdout).toContain('process:web start (config changed: command)');
    writeFileSync(join(dir, 'crash.flag'), '');
    process.kill(-(await web()).pid!, 'SIGKILL');
    const errored = await eventually(async () => {
      const row = await web();
      return row.state.startsWith('errored') ? row : undefined;
    });
    expect(errored.state).toBe('errored: exited with code 1 4 times in a row, each within 30 s of starting; not restarted again');
    expect(errored.lastLines).toContain('crash.flag found: exiting with code 1');
    expect((await cli(['logs', 'web'])).stdout).toContain('crash.flag found: exiting with code 1');
    // Fixed: the next up starts it again, and says why.
    rmSync(join(dir, 'crash.flag'));
    const fixed = await cli(['up', '-d'], { WEB_COMMAND: 'node server.js' });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/process:web start \(errored: /);
    // A failed up stops the process it started, but its log stays, and `logs web` shows it.
    writeFileSync(join(dir, 'crash.flag'), '');
    const failed = await cli(['up', '-d'], { WEB_COMMAND: 'node ./server.js' });
    expect(failed.code).not.toBe(0);
    const logs = await cli(['logs', 'web', '--tail', '5']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('crash.flag found: exiting with code 1');
    expect(logs.stdout).toMatch(/── web \(pid \d+\) exited with code 1 at /);
    rmSync(join(dir, 'crash.flag'));
    expect((await cli(['up', '-d'], { WEB_COMMAND: 'node server.js' })).code).toBe(0);
  });

  it('a killed supervisor leaves an orphan that the next up stops and starts again, saying so', async () => {
    const supervisor = JSON.parse(readFileSync(join(dir, '.devenv/supervisor.json'), 'utf8')) as { pid: number };
    const { pid } = await web();
    process.kill(supervisor.pid, 'SIGKILL');
    await eventually(async () => (isAlive(supervisor.pid) ? undefined : true));
    expect((await web()).state).toContain('orphaned');
    // It writes its log itself: a request it logs does not end it (a pipe to the dead supervisor would).
    for (let i = 0; i < 3; i += 1) expect((await http(`http://127.0.0.1:${port}/`)).status).toBe(200);
    expect(isAlive(pid!)).toBe(true);
    expect(readFileSync(join(dir, '.devenv/logs/web.log'), 'utf8')).toMatch(/GET \/\nGET \/\nGET \/\n$/);
    const r = await cli(['up', '-d']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('process:web stop (left running by a supervisor that was killed)');
    expect(isAlive(pid!)).toBe(false);
    expect((await http(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  it('down stops the app: its pid and its port are gone, and a logs -f following it ends', async () => {
    const { pid } = await web();
    const logs = devenvAttached(['-p', project, 'logs', '-f', '--tail', '1'], { cwd: dir, env: env() });
    await logs.waitFor(/^db +\| /m);
    expect((await cli(['down'])).code).toBe(0);
    expect(isAlive(pid!)).toBe(false);
    expect(await canBind(port)).toBe(true);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
    // Nothing will run there again: the container's stream and the process's file both end.
    const followed = await logs.exited;
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/^db +\| removed$/m);
    expect(followed.stdout).toMatch(/^web +\| removed$/m);
  });

  it('attached, Ctrl-C stops the app with the containers', async () => {
    const up = devenvAttached(['-p', project, 'up'], { cwd: dir, env: env() });
    await up.waitFor(/web \| web listening on 127\.0\.0\.1:\d+ \(pid (\d+)\)/);
    const pid = Number(/web \| web listening on 127\.0\.0\.1:\d+ \(pid (\d+)\)/.exec(up.output())![1]);
    up.child.kill('SIGINT');
    expect((await up.exited).code).toBe(130);
    expect(isAlive(pid)).toBe(false);
    expect(await canBind(port)).toBe(true);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  });
});
