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
      transport: { kind: 'unix', socketPath: '/run/user/1000/docker.sock' },
      remote: false,
    });
  });

  it('uses TCP, with TLS when asked', () => {
    expect(resolveEngineAddress({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })).toMatchObject({
      address: 'tcp://10.0.0.5:2375',
      transport: { kind: 'tcp', host: '10.0.0.5', port: 2375 },
      remote: true,
    });
    expect(resolveEngineAddress({ DOCKER_HOST: '10.0.0.5:2376' }).transport).toMatchObject({ kind: 'tls' });
    expect(resolveEngineAddress({ DOCKER_HOST: 'tcp://docker', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: tempDir('docker-config') })).toMatchObject({
      address: 'tcp://docker:2376',
      transport: { kind: 'tls', host: 'docker', port: 2376 },
    });
    expect(resolveEngineAddress({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }).remote).toBe(false);
  });

  it('takes an IPv6 address without its brackets, and needs DOCKER_TLS_VERIFY for TLS on 2375', () => {
    expect(resolveEngineAddress({ DOCKER_HOST: 'tcp://[::1]:2375' })).toMatchObject({ transport: { kind: 'tcp', host: '::1', port: 2375 }, remote: false });
    expect(resolveEngineAddress({ DOCKER_HOST: 'tcp://10.0.0.5:2375', DOCKER_CERT_PATH: '/nowhere' }).transport).toMatchObject({ kind: 'tcp' });
  });

  it('reads the TLS certificates from DOCKER_CERT_PATH', () => {
    const dir = tempDir('certs');
    writeFileSync(join(dir, 'ca.pem'), 'CA');
    writeFileSync(join(dir, 'cert.pem'), 'CERT');
    writeFileSync(join(dir, 'key.pem'), 'KEY');
    const { transport } = resolveEngineAddress({ DOCKER_HOST: 'tcp://box:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
    expect(transport).toMatchObject({ kind: 'tls', ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
    expect(transport).not.toHaveProperty('insecure');
  });

  it('reaches an ssh:// engine through ssh and docker system dial-stdio', () => {
    expect(resolveEngineAddress({ DOCKER_HOST: 'ssh://dev@build-box:2222' })).toMatchObject({
      address: 'ssh://dev@build-box:2222',
      transport: { kind: 'ssh', host: 'build-box', user: 'dev', port: 2222 },
      remote: true,
    });
  });

  it('uses a named pipe', () => {
    expect(resolveEngineAddress({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' })).toMatchObject({
      address: 'npipe:////./pipe/docker_engine',
      transport: { kind: 'unix', socketPath: '//./pipe/docker_engine' },
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

    it('uses the TLS material a context stores, and its SkipTLSVerify', () => {
      const dir = configWithContext('secure', 'tcp://box:2376');
      const id = createHash('sha256').update('secure').digest('hex');
      const meta = join(dir, 'contexts', 'meta', id, 'meta.json');
      writeFileSync(meta, JSON.stringify({ Name: 'secure', Endpoints: { docker: { Host: 'tcp://box:2376', SkipTLSVerify: true } } }));
      const tls = join(dir, 'contexts', 'tls', id, 'docker');
      mkdirSync(tls, { recursive: true });
      writeFileSync(join(tls, 'ca.pem'), 'CTX-CA');
      expect(resolveEngineAddress({ DOCKER_CONFIG: dir }).transport).toMatchObject({ kind: 'tls', host: 'box', port: 2376, ca: Buffer.from('CTX-CA'), insecure: true });
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
