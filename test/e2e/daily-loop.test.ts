/**
 * The loop a contributor lives in, on one project (test/fixtures/e2e/daily): up one service,
 * restart it without touching the database, exec into the database, run one-offs, stop and start,
 * rebuild on an edit, one-shot services, a shared build, network aliases, and `config` that
 * round-trips. Real engine, real Postgres, real HTTP; the steps of one story, in order.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, devenv, http } from '../helpers/cli.js';
import { docker, projectResources, removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

const dir = copyProject('test/fixtures/e2e/daily');
const project = uniqueProject('daily');
const cli = (...args: string[]) => devenv(['-p', project, ...args], { cwd: dir });
/** The same from a folder without devenv.yml: commands that work from labels alone. */
const fromLabels = (...args: string[]) => devenv(['-p', project, ...args], { cwd: '/' });

/** Container ID and start time of each of the project's service containers. */
async function containers(): Promise<Record<string, { id: string; startedAt: string; state: string }>> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`dev.devenv.project=${project}`, 'dev.devenv.role=service'] }) });
  const out: Record<string, { id: string; startedAt: string; state: string }> = {};
  for (const c of list) {
    const info = await docker.getContainer(c.Id).inspect();
    out[c.Labels['dev.devenv.service']!] = { id: c.Id, startedAt: info.State.StartedAt, state: info.State.Status };
  }
  return out;
}

const webUrl = (stdout: string) => /web\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
let url: string;

describe.sequential('the daily loop', { shuffle: false }, () => {
  afterAll(() => removeProject(project));

  it('up NAME brings up that service and what it needs, nothing else', async () => {
    const r = await cli('up', '-d', 'web');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The one-shot setup runs the web image (built once, never pulled) and completes before web starts.
    expect(r.stdout).toContain('image:web build');
    expect(r.stdout).not.toMatch(/image:.*pull/);
    expect(r.stdout).toMatch(/setup\s+completed \(exit 0\)/);
    expect(r.stdout.indexOf('service:setup completed')).toBeLessThan(r.stdout.indexOf('container:web start'));
    expect(r.stdout).not.toContain('worker');
    url = webUrl(r.stdout)!;
    // web reaches the database by its alias "postgres".
    expect(await http(`${url}/health`)).toEqual({ status: 200, body: 'ok' });
    expect((await http(url)).body).toBe('hello: first message');
    expect(Object.keys(await containers()).sort()).toEqual(['db', 'setup', 'web']);
  });

  it('a second up adds the rest, reruns nothing, and leaves a completed one-shot alone', async () => {
    const r = await cli('up', '-d');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('container:worker create');
    expect(r.stdout).toContain('service:setup completed (completed earlier; config unchanged)');
    expect(r.stdout).not.toMatch(/container:(db|setup|web) (create|remove|start)/);
    const ps = JSON.parse((await cli('ps', '--json')).stdout) as { containers: { service: string; state: string; health: string }[] };
    expect(ps.containers.map((c) => `${c.service} ${c.state} ${c.health}`)).toEqual(['db running healthy', 'web running healthy', 'worker running ']);
    const all = JSON.parse((await cli('ps', '-a', '--json')).stdout) as { containers: { service: string; state: string }[] };
    expect(all.containers.find((c) => c.service === 'setup')?.state).toBe('completed');
  });

  it('restart web restarts web alone, keeps its port, and waits for health', async () => {
    const before = await containers();
    const r = await cli('restart', 'web');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('container:web restart (config unchanged)');
    expect(r.stdout).toContain('service:web healthy (after start)');
    const after = await containers();
    expect(after.db).toEqual(before.db);
    expect(after.worker).toEqual(before.worker);
    expect(after.web!.id).toBe(before.web!.id);
    expect(after.web!.startedAt).not.toBe(before.web!.startedAt);
    expect(webUrl(r.stdout)).toBe(url);
    expect((await http(`${url}/health`)).status).toBe(200);
  });

  it('exec db opens psql as the project\'s user: a query through the pipe prints its result', async () => {
    const r = await cli('exec', 'db', 'psql', '-tAc', 'select 1');
    expect(r).toMatchObject({ code: 0, stdout: '1\n' });
    const who = await fromLabels('exec', '-T', 'db', 'psql', '-tAc', 'select current_user || \'@\' || current_database()');
    expect(who.stdout).toBe('postgres@daily\n');
  });

  it('exec gives the command a TTY when stdin is a terminal, and none with -T', async () => {
    // `script` runs devenv on a pseudo-terminal, as a user's shell would.
    const inTerminal = (args: string) => spawnSync('script', ['-qec', `${process.execPath} ${bin} -p ${project} ${args}`, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    // The size follows the start on engines before API 1.42: the command waits a moment for it.
    const tty = inTerminal("exec web sh -c 'sleep 0.5; tty; stty size'");
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(/\/dev\/pts\/\d+\r*\n24 80/);
    expect(inTerminal("exec -T web sh -c 'tty || true'").stdout).toContain('not a tty');
  });

  it('exec passes the exit code through, with -e, -w and -u', async () => {
    expect((await cli('exec', 'web', 'sh', '-c', 'exit 4')).code).toBe(4);
    const r = await cli('exec', '-e', 'COLOUR=blue', '-w', '/tmp', '-u', '1000', 'web', 'sh', '-c', 'echo "$COLOUR $(pwd) $(id -u) $GREETING"');
    expect(r).toMatchObject({ code: 0, stdout: 'blue /tmp 1000 hello\n' });
    const stopped = await cli('exec', 'setup', 'true');
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain('setup is not running');
  });

  it('run starts a one-off of the service\'s image on the project network, and removes it', async () => {
    const r = await cli('run', 'web', 'node', '-e', 'console.log(process.env.DATABASE_HOST, require("fs").readFileSync("message.txt", "utf8").trim()); process.exit(5)');
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('postgres first message\n');
    const kept = await cli('run', '--no-rm', 'web', 'true');
    expect(kept.code).toBe(0);
    const all = JSON.parse((await cli('ps', '-a', '--json')).stdout) as { containers: { role: string; state: string }[] };
    expect(all.containers.filter((c) => c.role === 'oneoff').map((c) => c.state)).toEqual(['exited (0)']);
    // The next up removes what a one-off left.
    expect((await cli('up', '-d')).stdout).toMatch(/container:\S+-web-run-\w+ remove \(one-off container left over/);
    expect((await projectResources(project)).filter((r) => r.includes('-run-'))).toEqual([]);
  });

  it('stop keeps the container, start brings it back healthy on the same port (from labels alone, too)', async () => {
    const stop = await fromLabels('stop', 'web');
    expect(stop.code).toBe(0);
    expect((await containers()).web!.state).toBe('exited');
    const start = await cli('start', 'web');
    expect(start.code).toBe(0);
    expect(start.stdout).toContain('container:web start (container is exited)');
    expect(start.stdout).toContain('service:web healthy');
    expect((await http(`${url}/health`)).status).toBe(200);
    expect((await fromLabels('restart', 'worker')).code).toBe(0);
  });

  it('--force-recreate applies to the named service only', async () => {
    const before = await containers();
    const r = await cli('up', '-d', '--force-recreate', 'web');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('container:web create (--force-recreate');
    expect(r.stdout).not.toMatch(/container:(db|setup|worker) (create|remove)/);
    expect((await containers()).db).toEqual(before.db);
  });

  it('an edit rebuilds the image and recreates the services that run it; an ignored file rebuilds nothing', async () => {
    writeFileSync(join(dir, 'message.txt'), 'second message\n');
    const r = await cli('up', '-d');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('image:web build (build context changed: message.txt)');
    expect(r.stdout).toMatch(/✔ container:setup create [\d.]+s$/m);
    expect(r.stdout).toMatch(/✔ container:worker create [\d.]+s$/m);
    expect(r.stdout).not.toContain('kept: the build gave the image it runs');
    expect(r.stdout).not.toMatch(/container:db (create|remove)/);
    expect((await http(webUrl(r.stdout)!)).body).toBe('hello: second message');

    // A file in the build context that the Dockerfile does not copy: the rebuild gives the same
    // image, so nothing is replaced and the completed one-shot does not run again.
    const before = await containers();
    writeFileSync(join(dir, 'CONTRIBUTING.txt'), 'not in the image\n');
    const same = await cli('up', '-d');
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('image:web build (build context changed: added CONTRIBUTING.txt)');
    for (const service of ['setup', 'web', 'worker']) expect(same.stdout).toMatch(new RegExp(`✔ container:${service} create [\\d.]+s \\(kept: the build gave the image it runs\\)`));
    expect(await containers()).toEqual(before);
    expect((await http(webUrl(same.stdout)!)).body).toBe('hello: second message');
    expect((await cli('up', '-d')).stdout).not.toContain('image:web build');

    appendFileSync(join(dir, 'notes.md'), 'more notes\n');
    const again = await cli('up', '-d');
    expect(again.stdout).not.toContain('image:web build');
  });

  it('build rebuilds the images of services with build; pull pulls the others', async () => {
    const build = await cli('build', 'web', 'setup');
    expect(build.code).toBe(0);
    expect(build.stdout).toContain('image:web build (devenv build)');
    expect(build.stdout.match(/image:web build \(/g)).toHaveLength(1);
    const pull = await cli('pull');
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain('image:postgres:15 pull (devenv pull)');
    expect(pull.stdout).toContain('setup, web, worker: built from the project, nothing to pull');
  });

  it('logs shows a service\'s output, from labels alone', async () => {
    const r = await fromLabels('logs', 'setup');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('setup ran once');
  });

  it('a name devenv.yml lacks is named as a typo; a folder without devenv.yml says whose name it used', async () => {
    const typo = await cli('logs', 'wbe');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no service "wbe" in devenv.yml — did you mean "web"?');
    expect(typo.stderr).toMatch(/The services are .*web/);
    const elsewhere = await devenv(['ps'], { cwd: '/' });
    expect(elsewhere.stdout).toContain('(no devenv.yml in this folder or above it, so the project is named after the folder; -f or -p names another)');
  });

  it('config prints a devenv.yml that loads back to the same plan', async () => {
    const printed = await cli('config');
    expect(printed.code).toBe(0);
    writeFileSync(join(dir, 'printed.yml'), printed.stdout);
    expect((await devenv(['validate', '-f', 'printed.yml'], { cwd: dir })).code).toBe(0);
    const original = await cli('up', '--plan');
    // In devenv.yml's place: another file for the same project name would be another checkout.
    const kept = readFileSync(join(dir, 'devenv.yml'), 'utf8');
    writeFileSync(join(dir, 'devenv.yml'), printed.stdout);
    const roundTrip = await cli('up', '--plan');
    writeFileSync(join(dir, 'devenv.yml'), kept);
    expect(roundTrip.code).toBe(0);
    expect(roundTrip.stdout).toBe(original.stdout);
    expect((await cli('config', '--services')).stdout).toBe('db\nsetup\nweb\nworker\n');
  });

  it('down leaves only the data volume', async () => {
    expect((await fromLabels('down')).code).toBe(0);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  });
});
