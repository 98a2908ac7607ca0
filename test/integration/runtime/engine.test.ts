import { afterAll, describe, expect, it } from 'vitest';
import { connectRuntime } from '../../../src/runtime/docker-runtime.js';
import { projectResources, removeProject, uniqueProject } from '../../helpers/engine.js';
import { LABELS } from '../../../src/engine/labels.js';

const project = uniqueProject('rt-engine');
const labels = { [LABELS.project]: project };
const runtime = connectRuntime();

afterAll(() => removeProject(project));

describe('DockerRuntime engine connection', () => {
  it('reads the engine version', async () => {
    const info = await runtime.info();
    expect(info.address).toMatch(/^(unix|tcp|npipe):\/\//);
    expect(info.serverVersion).not.toBe('');
    expect(Number(info.apiVersion.split('.')[1])).toBeGreaterThanOrEqual(39);
    expect(info.buildkit).toBe(true);
  });

  it('names the address and the reason when no engine answers', async () => {
    const missing = connectRuntime({ DOCKER_HOST: 'unix:///tmp/devenv-no-such-engine.sock' });
    await expect(missing.info()).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: 'no Docker engine answered at unix:///tmp/devenv-no-such-engine.sock (ENOENT)',
      hint: expect.stringContaining('DOCKER_HOST'),
    });
    // Any other call fails the same way, not with a raw socket error.
    await expect(missing.listContainers(labels)).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });

  it('reports a refused TCP address as unavailable', async () => {
    const refused = connectRuntime({ DOCKER_HOST: 'tcp://127.0.0.1:1' });
    await expect(refused.info()).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: 'no Docker engine answered at tcp://127.0.0.1:1 (ECONNREFUSED)',
    });
  });
});

describe('DockerRuntime networks and volumes', () => {
  it('creates, lists by label and removes a network', async () => {
    const id = await runtime.createNetwork(`${project}-net`, { ...labels, [LABELS.role]: 'service' });
    const listed = await runtime.listNetworks(labels);
    expect(listed).toEqual([{ id, name: `${project}-net`, labels: { ...labels, [LABELS.role]: 'service' } }]);
    // All given labels must match.
    expect(await runtime.listNetworks({ ...labels, [LABELS.role]: 'migration' })).toEqual([]);
    await runtime.removeNetwork(id);
    await runtime.removeNetwork(id); // already gone: fine
    expect(await runtime.listNetworks(labels)).toEqual([]);
  });

  it('creates, lists by label and removes a volume', async () => {
    await runtime.createVolume(`${project}-data`, labels);
    expect(await runtime.listVolumes(labels)).toEqual([{ id: `${project}-data`, name: `${project}-data`, labels }]);
    expect(await projectResources(project)).toEqual([`volume ${project}-data`]);
    await runtime.removeVolume(`${project}-data`);
    await runtime.removeVolume(`${project}-data`);
    expect(await runtime.listVolumes(labels)).toEqual([]);
  });

  it('turns other engine errors into ENGINE_ERROR with the engine message', async () => {
    await expect(runtime.inspectContainer(`${project}-missing`)).rejects.toMatchObject({
      code: 'ENGINE_ERROR',
      message: expect.stringMatching(/^inspecting container t-\w+-rt-engine-\w+-missing: No such container: .* \(HTTP 404\)$/),
    });
  });
});
