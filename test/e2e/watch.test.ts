/** `up --watch`: an edit rebuilds and recreates the service; a broken build keeps the running one. */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devenvAttached, http } from '../helpers/cli.js';
import { projectResources, removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

const dir = copyProject('test/fixtures/e2e/daily');
const project = uniqueProject('watch');

describe('up --watch', () => {
  afterAll(() => removeProject(project));

  it('rebuilds on an edit, keeps serving through a broken build, and Ctrl-C tears down', async () => {
    const up = devenvAttached(['up', '--watch', 'web', '-p', project], { cwd: dir });
    await up.waitFor(/Watching \S+ for changes/);
    const url = /web\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(up.output())![1]!;
    expect((await http(url)).body).toBe('hello: first message');

    writeFileSync(join(dir, 'message.txt'), 'watched edit\n');
    await up.waitFor(/Updated in [\d.]+ s: .*web healthy/);
    expect(up.output()).toContain('Changed: message.txt; updating web');
    expect(up.output()).toContain('image:web build (build context changed: message.txt)');
    expect((await http(url)).body).toBe('hello: watched edit');

    // A file .dockerignore leaves out changes no image: nothing happens.
    appendFileSync(join(dir, 'notes.md'), 'ignored\n');
    appendFileSync(join(dir, 'Dockerfile'), 'RUN echo "broken on purpose" && exit 3\n');
    await up.waitFor('The running container was kept');
    expect(up.output()).not.toContain('Changed: notes.md');
    expect((await http(url)).body).toBe('hello: watched edit');

    up.child.kill('SIGINT');
    expect((await up.exited).code).toBe(130);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  }, 120_000);
});
