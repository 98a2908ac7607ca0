/** Attached `up`: logs stream with service prefixes; Ctrl-C removes containers and network, keeps the volume. */
import { afterEach, describe, expect, it } from 'vitest';
import { devenvAttached } from '../helpers/cli.js';
import { projectResources, removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

const projects: string[] = [];
const newProject = (prefix: string) => {
  const p = uniqueProject(prefix);
  projects.push(p);
  return p;
};
const fixture = (name: string) => `${copyProject(`test/fixtures/e2e/${name}`)}/devenv.yml`;

describe('attached up', () => {
  afterEach(async () => { await Promise.all(projects.splice(0).map(removeProject)); });

  it('streams prefixed logs, and Ctrl-C tears down and exits 130', async () => {
    const project = newProject('attached');
    const up = devenvAttached(['up', '-f', fixture('attached'), '-p', project]);
    await up.waitFor('Streaming logs');
    await up.waitFor(/web\s+\| web is listening/);
    up.child.kill('SIGINT');
    const result = await up.exited;
    expect(result.code).toBe(130);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  });

  it('SIGTERM tears down the same way and exits 143', async () => {
    const project = newProject('sigterm');
    const up = devenvAttached(['up', '-f', fixture('attached'), '-p', project]);
    await up.waitFor('Streaming logs');
    up.child.kill('SIGTERM');
    const result = await up.exited;
    expect(result.code).toBe(143);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  });

  it('a second Ctrl-C kills what a graceful stop would wait for', async () => {
    const project = newProject('stubborn');
    const up = devenvAttached(['up', '-f', fixture('stubborn'), '-p', project]);
    await up.waitFor(/stubborn \| ignoring SIGTERM/);
    up.child.kill('SIGINT');
    await up.waitFor('container:stubborn stop (the attached up that runs it is ending)');
    up.child.kill('SIGINT');
    const result = await up.exited;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('Killing the containers instead of stopping them');
    expect(await projectResources(project)).toEqual([]);
  }, 60_000);
});
