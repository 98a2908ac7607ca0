import { afterAll, describe, expect, it } from 'vitest';
import { connectRuntime } from '../../../src/runtime/docker-runtime.js';
import { type BuildRequest } from '../../../src/runtime/runtime.js';
import { docker, removeProject, uniqueProject } from '../../helpers/engine.js';
import { busyboxSpec, collect, fixture } from './runtime-fixture.js';
import { LABELS } from '../../../src/engine/labels.js';

const project = uniqueProject('rt-build');
const runtime = connectRuntime();

/** Layers a failed classic build leaves as cache: untagged and unlabelled, so removeProject misses them. */
const classicLayers = new Set<string>();

afterAll(async () => {
  await removeProject(project);
  for (const id of classicLayers) await docker.getImage(id).remove().catch(() => undefined);
});

function request(name: string, tag: string, buildkit: boolean): BuildRequest {
  return {
    context: fixture(name),
    dockerfile: 'Dockerfile',
    args: {},
    tag: `devenv-test-${project}:${tag}`,
    labels: { [LABELS.project]: project, [LABELS.contextHash]: 'test' },
    buildkit,
  };
}

/** Runs a command in a container of the image and returns its stdout lines. */
async function run(image: string, name: string, command: string[]): Promise<string[]> {
  const id = await runtime.createContainer(busyboxSpec(project, name, { image, command }));
  await runtime.startContainer(id);
  expect(await runtime.waitContainer(id)).toBe(0);
  const lines = await collect(runtime.logs(id, { follow: false }));
  await runtime.removeContainer(id);
  return lines.filter((l) => l.stream === 'stdout').map((l) => l.line);
}

describe.each([
  { builder: 'BuildKit', buildkit: true, stepLine: /^\[(stage-0 )?2\/2\] COPY \. \/app\/(: CACHED)?$/ },
  { builder: 'classic', buildkit: false, stepLine: /^Step 2\/\d+ : COPY \. \/app\/$/ },
])('DockerRuntime builds with the $builder builder', ({ buildkit, stepLine }) => {
  it('builds, tags and labels the image, honouring .dockerignore', async () => {
    const lines: string[] = [];
    const req = request('build-basic', buildkit ? 'bk' : 'classic', buildkit);
    const id = await runtime.buildImage(req, (line) => lines.push(line));

    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await runtime.imageId(req.tag)).toBe(id);
    expect(lines.some((line) => stepLine.test(line))).toBe(true);
    const images = await runtime.listImages({ [LABELS.project]: project });
    expect(images.find((image) => image.id === id)?.tags).toContain(req.tag);

    const files = await run(req.tag, buildkit ? 'ls-bk' : 'ls-classic', ['find', '/app', '-type', 'f']);
    expect(files.sort()).toEqual(['/app/.dockerignore', '/app/Dockerfile', '/app/data/kept.txt', '/app/included.txt']);
  });

  it('names the failing step, the error and its last output lines', async () => {
    const req = request('build-failing', buildkit ? 'fail-bk' : 'fail-classic', buildkit);
    const rememberLayer = (line: string) => {
      const layer = /^ ---> ([0-9a-f]{12})$/.exec(line)?.[1];
      if (layer) classicLayers.add(layer);
    };
    const error = await runtime.buildImage(req, rememberLayer).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'IMAGE_BUILD_FAILED',
      message: expect.stringContaining(
        `building ${req.tag} failed at step "RUN echo about-to-fail && echo on-stderr >&2 && exit 3": `,
      ),
      hint: expect.stringContaining(`${fixture('build-failing')}/Dockerfile`),
    });
    expect((error as Error).message).toMatch(/code: 3|non-zero code: 3/);
    const details = (error as { details: string[] }).details;
    expect(details).toEqual(expect.arrayContaining([expect.stringContaining('about-to-fail'), expect.stringContaining('on-stderr')]));
    expect(details.join('\n')).not.toContain('first-step-ok');
  });
});

describe('DockerRuntime BuildKit specifics', () => {
  it('builds a Dockerfile using RUN --mount=type=cache', async () => {
    const lines: string[] = [];
    const req = request('build-cache-mount', 'cache', true);
    const id = await runtime.buildImage(req, (line) => lines.push(line));
    expect(await runtime.imageId(req.tag)).toBe(id);
    expect(lines.some((line) => line.includes('RUN --mount=type=cache,target=/cache'))).toBe(true);
    expect(await run(req.tag, 'cache-check', ['cat', '/built.txt'])).toEqual(['built']);
  });

  it('stops a build when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    const req = request('build-basic', 'aborted', true);
    await expect(runtime.buildImage(req, () => undefined, controller.signal)).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });
});
