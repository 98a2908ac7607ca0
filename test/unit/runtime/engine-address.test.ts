import { describe, expect, it } from 'vitest';
import { resolveEngineAddress } from '../../../src/runtime/engine-address.js';

describe('resolveEngineAddress', () => {
  it('uses a unix socket from DOCKER_HOST', () => {
    expect(resolveEngineAddress({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toMatchObject({
      address: 'unix:///run/user/1000/docker.sock',
      options: { socketPath: '/run/user/1000/docker.sock', host: undefined },
    });
  });

  it('uses TCP, with TLS when asked', () => {
    expect(resolveEngineAddress({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })).toMatchObject({
      address: 'tcp://10.0.0.5:2375',
      options: { host: '10.0.0.5', port: '2375', protocol: 'http', socketPath: undefined },
    });
    expect(resolveEngineAddress({ DOCKER_HOST: '10.0.0.5:2376' }).options).toMatchObject({ protocol: 'https' });
    expect(resolveEngineAddress({ DOCKER_HOST: 'tcp://docker', DOCKER_TLS_VERIFY: '1' })).toMatchObject({
      address: 'tcp://docker:2376',
      options: { protocol: 'https' },
    });
  });

  it('uses a named pipe', () => {
    expect(resolveEngineAddress({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' })).toMatchObject({
      address: 'npipe:////./pipe/docker_engine',
      options: { socketPath: '//./pipe/docker_engine' },
    });
  });

  it('defaults to the system socket', () => {
    if (process.platform === 'win32') return;
    expect(resolveEngineAddress({}).address).toMatch(/^unix:\/\/.*docker\.sock$/);
  });

  it('rejects an address it cannot parse', () => {
    expect(() => resolveEngineAddress({ DOCKER_HOST: 'tcp://[bad' })).toThrow(expect.objectContaining({ code: 'ENGINE_UNAVAILABLE' }));
  });
});
