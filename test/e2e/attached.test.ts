/** Attached `up`: logs stream with service prefixes; Ctrl-C removes containers and network, keeps the volume. */
import { afterAll, describe, expect, it } from 'vitest';
import { devenvAttached, repoRoot } from '../helpers/cli.js';
import { projectResources, removeProject, uniqueProject } from '../helpers/engine.js';

const project = uniqueProject('attached');

describe('attached up', () => {
  afterAll(() => removeProject(project));

  it('streams prefixed logs, and Ctrl-C tears down and exits 130', async () => {
    const up = devenvAttached(['up', '-f', `${repoRoot}test/fixtures/e2e/attached/devenv.yml`, '-p', project]);
    await up.waitFor('Streaming logs');
    await up.waitFor(/web\s+\| web is listening/);
    up.child.kill('SIGINT');
    const result = await up.exited;
    expect(result.code).toBe(130);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  });

  it('SIGTERM tears down the same way and exits 143', async () => {
    const up = devenvAttached(['up', '-f', `${repoRoot}test/fixtures/e2e/attached/devenv.yml`, '-p', project]);
    await up.waitFor('Streaming logs');
    up.child.kill('SIGTERM');
    const result = await up.exited;
    expect(result.code).toBe(143);
    expect(await projectResources(project)).toEqual([`volume ${project}-db-data`]);
  });

  it('a second Ctrl-C kills what a graceful stop would wait for', async () => {
    const stubborn = uniqueProject('stubborn');
    try {
      const up = devenvAttached(['up', '-f', `${repoRoot}test/fixtures/e2e/stubborn/devenv.yml`, '-p', stubborn]);
      await up.waitFor(/stubborn \| ignoring SIGTERM/);
      up.child.kill('SIGINT');
      await up.waitFor('container:stubborn remove (down)');
      up.child.kill('SIGINT');
      const result = await up.exited;
      expect(result.code).toBe(130);
      expect(result.stderr).toContain('Killing the containers instead of stopping them');
      expect(await projectResources(stubborn)).toEqual([]);
    } finally {
      await removeProject(stubborn);
    }
  }, 60_000);
});
