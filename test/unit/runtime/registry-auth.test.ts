import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsFor, registryAuthHeader, registryOf } from '../../../src/runtime/registry-auth.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function config(json: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'dockercfg-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(json));
  return dir;
}
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('registry credentials', () => {
  it('finds the registry of a reference', () => {
    expect(registryOf('postgres:15')).toBe('https://index.docker.io/v1/');
    expect(registryOf('library/postgres')).toBe('https://index.docker.io/v1/');
    expect(registryOf('ghcr.io/acme/app:1')).toBe('ghcr.io');
    expect(registryOf('127.0.0.1:5000/app')).toBe('127.0.0.1:5000');
    expect(registryOf('localhost/app')).toBe('localhost');
  });

  it('reads auths (base64 user:password, identity tokens) under the keys docker login writes', async () => {
    const dir = config({ auths: {
      'https://index.docker.io/v1/': { auth: b64('hub-user:hub:pass') },
      'ghcr.io': { identitytoken: 'tok' },
    } });
    expect(await credentialsFor('postgres:15', { DOCKER_CONFIG: dir })).toEqual({ username: 'hub-user', password: 'hub:pass', serveraddress: 'https://index.docker.io/v1/' });
    expect(await credentialsFor('ghcr.io/a/b', { DOCKER_CONFIG: dir })).toEqual({ identitytoken: 'tok', serveraddress: 'ghcr.io' });
    expect(await credentialsFor('quay.io/a/b', { DOCKER_CONFIG: dir })).toBeUndefined();
    expect(await credentialsFor('x', { DOCKER_CONFIG: join(dir, 'missing') })).toBeUndefined();
  });

  it('asks a credential helper (credHelpers first, then credsStore); one that has none gives none', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'helpers-'));
    dirs.push(bin);
    writeFileSync(join(bin, 'docker-credential-fake'), '#!/bin/sh\nread host\nif [ "$host" = "reg.example:5000" ]; then echo \'{"Username":"helper-user","Secret":"s3cret"}\'; else echo "credentials not found in native keychain"; exit 1; fi\n');
    chmodSync(join(bin, 'docker-credential-fake'), 0o755);
    const env = { DOCKER_CONFIG: config({ credHelpers: { 'reg.example:5000': 'fake' }, credsStore: 'fake', auths: {} }), PATH: `${bin}:${process.env.PATH}` };
    expect(await credentialsFor('reg.example:5000/app:1', env)).toEqual({ username: 'helper-user', password: 's3cret', serveraddress: 'reg.example:5000' });
    expect(await credentialsFor('other.example/app', env)).toBeUndefined();
    const missing = { DOCKER_CONFIG: config({ credsStore: 'nonexistent-helper' }), PATH: bin };
    await expect(credentialsFor('a.example/app', missing)).rejects.toMatchObject({ code: 'IMAGE_PULL_FAILED', message: expect.stringContaining('docker-credential-nonexistent-helper is not installed') });
  });

  it('sends them as base64url JSON, the X-Registry-Auth format', () => {
    const header = registryAuthHeader({ username: 'u', password: 'p', serveraddress: 'r' });
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ username: 'u', password: 'p', serveraddress: 'r' });
  });
});
