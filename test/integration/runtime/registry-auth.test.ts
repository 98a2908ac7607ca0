/**
 * Pulls from a registry that wants a login, with the credentials the docker CLI stored: a real
 * registry (Debian's docker-registry, htpasswd auth) on 127.0.0.1, an image pushed to it by the
 * docker CLI, pulled back by devenv's runtime.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRuntime } from '../../../src/runtime/docker-runtime.js';
import { credentialsFor } from '../../../src/runtime/registry-auth.js';
import { freePort } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp.js';

const runtime = connectRuntime();
const user = 'devenv';
const password = 'correct-horse-battery';
let registry: ChildProcess | undefined;
let host = '';
let image = '';
let loggedIn = '';
let anonymous = '';
const saved = process.env.DOCKER_CONFIG;

const hasRegistry = spawnSync('sh', ['-c', 'command -v docker-registry'], { stdio: 'ignore' }).status === 0;
if (!hasRegistry) console.warn('registry tests skipped: Debian\'s docker-registry is not installed (apt-get install docker-registry)');

beforeAll(async () => {
  if (!hasRegistry) return;
  const dir = tempDir('registry');
  const port = await freePort();
  host = `127.0.0.1:${port}`;
  image = `${host}/devenv-auth-test:${port}`;
  writeFileSync(join(dir, 'htpasswd'), `${user}:${bcrypt.hashSync(password, 8)}\n`);
  writeFileSync(join(dir, 'config.yml'), [
    'version: 0.1',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
    `http: { addr: ${host} }`,
    `auth: { htpasswd: { realm: devenv-test, path: ${join(dir, 'htpasswd')} } }`,
    '',
  ].join('\n'));
  registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i += 1) {
    const r = await fetch(`http://${host}/v2/`).catch(() => undefined);
    if (r?.status === 401) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The docker CLI logs in (writing its config.json) and pushes busybox there.
  loggedIn = join(dir, 'logged-in');
  anonymous = join(dir, 'anonymous');
  mkdirSync(anonymous);
  const docker = (...args: string[]) => {
    const r = spawnSync('docker', ['--config', loggedIn, ...args], { encoding: 'utf8', input: args.includes('--password-stdin') ? password : undefined });
    if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  };
  docker('login', host, '-u', user, '--password-stdin');
  docker('tag', 'busybox:latest', image);
  docker('push', image);
  docker('rmi', image);
}, 120_000);

afterAll(() => {
  if (!hasRegistry) return;
  registry?.kill();
  spawnSync('docker', ['rmi', image], { stdio: 'ignore' });
  if (saved === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = saved;
});

describe.skipIf(!hasRegistry)('pulls from a registry that wants a login', () => {
  it('finds the credentials `docker login` stored', async () => {
    expect(await credentialsFor(image, { DOCKER_CONFIG: loggedIn })).toEqual({ username: user, password, serveraddress: host });
    expect(await credentialsFor('postgres:15', { DOCKER_CONFIG: loggedIn })).toBeUndefined();
  });

  it('pulls with them', async () => {
    process.env.DOCKER_CONFIG = loggedIn;
    await runtime.pullImage(image, () => undefined);
    expect(await runtime.imageId(image)).toMatch(/^sha256:/);
  });

  it('without them, fails saying the registry wants a login and how to give one', async () => {
    spawnSync('docker', ['rmi', image], { stdio: 'ignore' });
    process.env.DOCKER_CONFIG = anonymous;
    const error = await runtime.pullImage(image, () => undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'IMAGE_PULL_FAILED',
      message: expect.stringContaining(`could not pull image "${image}"`),
      hint: `The registry wants credentials and devenv found none for ${host}: \`docker login ${host}\` stores them where devenv reads them.`,
    });
  });

  it('builds FROM an image in that registry with them', async () => {
    process.env.DOCKER_CONFIG = loggedIn;
    spawnSync('docker', ['rmi', image], { stdio: 'ignore' });
    const context = tempDir('auth-build');
    writeFileSync(join(context, 'Dockerfile'), `FROM ${image}\nRUN echo built\n`);
    const tag = `devenv-auth-build:${host.split(':')[1]}`;
    const engine = await runtime.info();
    try {
      await runtime.buildImage({ context, dockerfile: 'Dockerfile', args: {}, tag, labels: {}, buildkit: engine.buildkit }, () => undefined);
      expect(await runtime.imageId(tag)).toMatch(/^sha256:/);
    } finally {
      spawnSync('docker', ['rmi', tag], { stdio: 'ignore' });
    }
  }, 60_000);
});
