import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveEngineAddress } from '../../../src/runtime/engine-address.js';
import { tempDir } from '../../helpers/temp.js';

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
    expect(resolveEngineAddress({ DOCKER_CONFIG: tempDir('docker-config') }).address).toMatch(/^unix:\/\/.*docker\.sock$/);
  });

  it('rejects an address it cannot parse', () => {
    expect(() => resolveEngineAddress({ DOCKER_HOST: 'tcp://[bad' })).toThrow(expect.objectContaining({ code: 'ENGINE_UNAVAILABLE' }));
  });

  describe('docker contexts', () => {
    function configWithContext(name: string, host: string | undefined, current = true): string {
      const dir = tempDir('docker-config');
      if (current) writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: name }));
      if (host) {
        const meta = join(dir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));
        mkdirSync(meta, { recursive: true });
        writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: name, Endpoints: { docker: { Host: host } } }));
      }
      return dir;
    }

    it('uses the current context of config.json, as Colima and OrbStack set it', () => {
      const dir = configWithContext('colima', 'unix:///Users/me/.colima/default/docker.sock');
      expect(resolveEngineAddress({ DOCKER_CONFIG: dir }).address).toBe('unix:///Users/me/.colima/default/docker.sock');
    });

    it('lets DOCKER_CONTEXT choose and DOCKER_HOST win', () => {
      const dir = configWithContext('remote', 'tcp://127.0.0.1:2375', false);
      expect(resolveEngineAddress({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'remote' }).address).toBe('tcp://127.0.0.1:2375');
      expect(resolveEngineAddress({ DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'remote', DOCKER_HOST: 'unix:///x.sock' }).address).toBe('unix:///x.sock');
    });

    it('names a context that has no address', () => {
      const dir = configWithContext('gone', undefined);
      expect(() => resolveEngineAddress({ DOCKER_CONFIG: dir })).toThrow('the docker context "gone" has no engine address');
    });
  });
});
