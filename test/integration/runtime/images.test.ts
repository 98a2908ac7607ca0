import { afterAll, describe, expect, it } from 'vitest';
import { connectRuntime } from '../../../src/runtime/docker-runtime.js';
import type { PullProgress } from '../../../src/runtime/runtime.js';
import { removeProject, uniqueProject } from '../../helpers/engine.js';

const project = uniqueProject('rt-images');
const runtime = connectRuntime();

afterAll(() => removeProject(project));

describe('DockerRuntime pulls', () => {
  it('pulls busybox and reports progress', async () => {
    const events: PullProgress[] = [];
    await runtime.pullImage('busybox:latest', (p) => events.push(p));
    expect(events.length).toBeGreaterThan(0);
    const last = events.at(-1)!;
    expect(last.image).toBe('busybox:latest');
    expect(last.status).toMatch(/^Status: (Downloaded newer image|Image is up to date) for busybox:latest$/);
    expect(last.current).toBe(last.total);
    expect(await runtime.imageId('busybox:latest')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('fails with IMAGE_PULL_FAILED naming an image that does not exist', async () => {
    const error = await runtime.pullImage('devenv-does-not-exist:1', () => undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'IMAGE_PULL_FAILED',
      message: expect.stringMatching(/^could not pull image "devenv-does-not-exist:1": \S/),
      hint: expect.stringContaining('image:'),
    });
  });

  it('stops a pull when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runtime.pullImage('busybox:latest', () => undefined, controller.signal)).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });

  it('says an unknown image is not there, and removing it is fine', async () => {
    expect(await runtime.imageId(`${project}-none:1`)).toBeUndefined();
    await runtime.removeImage(`${project}-none:1`);
  });
});
