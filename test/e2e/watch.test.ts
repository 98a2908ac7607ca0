/** `up --watch`: an edit rebuilds and recreates the service; a broken build keeps the running one. */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devenvAttached, http } from '../helpers/cli.js';
import { projectResources, removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

const dir = copyProject('test/fixtures/e2e/daily');

/** Polls until check() holds (the test's timeout bounds it). */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const project = uniqueProject('watch');

describe('up --watch', () => {
  afterAll(() => removeProject(project));

  it('rebuilds on an edit, keeps serving through a broken build, and Ctrl-C tears down', async () => {
    const up = devenvAttached(['up', '--watch', 'web', '-p', project], { cwd: dir });
    await up.waitFor(/Watching devenv\.yml, \. for changes/);
    const url = /web\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(up.output())![1]!;
    expect((await http(url)).body).toBe('hello: first message');

    writeFileSync(join(dir, 'message.txt'), 'watched edit\n');
    await up.waitFor(/Updated in [\d.]+ s: .*web healthy/);
    expect(up.output()).toContain('Changed: message.txt; updating web');
    expect(up.output()).toContain('image:web build (build context changed: message.txt)');
    expect((await http(url)).body).toBe('hello: watched edit');

    // An edit saved while an update runs is applied right after it, not lost.
    writeFileSync(join(dir, 'message.txt'), 'edit A\n');
    await eventually(async () => ((up.output().match(/Changed: message\.txt/g)?.length ?? 0) >= 2 ? true : undefined));
    writeFileSync(join(dir, 'message.txt'), 'edit B\n');
    await eventually(async () => ((await http(url)).body === 'hello: edit B' ? true : undefined));

    // devenv.yml is loaded again: a changed env recreates the service with it.
    const config = join(dir, 'devenv.yml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('GREETING: ${GREETING:-hello}', 'GREETING: howdy'));
    await eventually(async () => ((await http(url)).body === 'howdy: edit B' ? true : undefined));
    expect(up.output()).toMatch(/container:web create \(config changed: env\.GREETING/);

    // A file .dockerignore leaves out changes no image: nothing happens.
    appendFileSync(join(dir, 'notes.md'), 'ignored\n');
    appendFileSync(join(dir, 'Dockerfile'), 'RUN echo "broken on purpose" && exit 3\n');
    await up.waitFor('The running container was kept');
    expect(up.output()).not.toContain('Changed: notes.md');
    expect((await http(url)).body).toBe('howdy: edit B');

    up.child.kill('SIGINT');
    expect((await up.exited).code).toBe(130);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  }, 120_000);
});
