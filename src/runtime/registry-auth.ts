/**
 * Registry credentials for pulls, found where the docker CLI keeps them: $DOCKER_CONFIG/config.json
 * (default ~/.docker/config.json), by registry host: a `credHelpers` entry, else the `credsStore`,
 * else the `auths` entry (base64 user:password, or an identity token). The engine gets them in the
 * X-Registry-Auth header of that one request; they are never logged.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DevenvError } from '../errors.js';

/** The key Docker Hub's credentials are stored under. */
const DOCKER_HUB = 'https://index.docker.io/v1/';

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export interface RegistryCredentials {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

/** "ghcr.io" for ghcr.io/a/b:1, "127.0.0.1:5000" for 127.0.0.1:5000/x, Docker Hub for postgres:15. */
export function registryOf(ref: string): string {
  const first = ref.split('/')[0]!;
  const hasRegistry = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasRegistry ? first : DOCKER_HUB;
}

export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

/** Credentials for the registry of `ref`; undefined when none are configured (anonymous pull). */
export async function credentialsFor(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryCredentials | undefined> {
  const file = join(dockerConfigDir(env), 'config.json');
  let config: DockerConfig;
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as DockerConfig;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DevenvError('IMAGE_PULL_FAILED', `cannot read registry credentials from ${file}: ${(error as Error).message}`, {
      hint: 'Fix the file (it is JSON), or move it away to pull without credentials.',
    });
  }
  const registry = registryOf(ref);
  const keys = registry === DOCKER_HUB ? [DOCKER_HUB, 'index.docker.io', 'docker.io'] : [registry, `https://${registry}`, `http://${registry}`];
  const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean) ?? config.credsStore;
  if (helper) {
    const fromHelper = await fromCredentialHelper(helper, registry, env);
    if (fromHelper) return fromHelper;
  }
  const entry = keys.map((k) => config.auths?.[k]).find(Boolean);
  if (!entry) return undefined;
  if (entry.identitytoken) return { identitytoken: entry.identitytoken, serveraddress: registry };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new DevenvError('IMAGE_PULL_FAILED', `the credentials for ${registry} in ${file} are not "user:password" in base64`, { hint: `Log in again: \`docker login ${registry === DOCKER_HUB ? '' : registry}\`.` });
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: registry };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password, serveraddress: registry };
  return undefined;
}

/** `docker-credential-<helper> get`, as the docker CLI runs it; a helper that knows nothing of this registry gives none. */
function fromCredentialHelper(helper: string, registry: string, env: NodeJS.ProcessEnv): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(new DevenvError('IMAGE_PULL_FAILED', `the docker config names the credential helper "${helper}", but ${program} ${error.code === 'ENOENT' ? 'is not installed' : `cannot run: ${error.message}`}`, {
        hint: `Install ${program}, or remove "${helper}" from credsStore/credHelpers in ${join(dockerConfigDir(env), 'config.json')}.`,
      }));
    });
    child.once('close', (code) => {
      if (code !== 0) {
        // "credentials not found in native keychain": no credentials for this registry.
        if (/not found/i.test(out + err)) return resolve(undefined);
        return reject(new DevenvError('IMAGE_PULL_FAILED', `${program} get failed for ${registry}: ${(out + err).trim() || `exit code ${code}`}`));
      }
      try {
        const r = JSON.parse(out) as { Username?: string; Secret?: string };
        if (!r.Secret) return resolve(undefined);
        // Docker's convention: the username "<token>" means the secret is an identity token.
        resolve(r.Username === '<token>' ? { identitytoken: r.Secret, serveraddress: registry } : { username: r.Username ?? '', password: r.Secret, serveraddress: registry });
      } catch {
        reject(new DevenvError('IMAGE_PULL_FAILED', `${program} get answered something other than JSON for ${registry}`));
      }
    });
    child.stdin.end(registry === DOCKER_HUB ? DOCKER_HUB : registry);
  });
}

/** The X-Registry-Auth header value: base64url JSON, as the Engine API wants it. */
export function registryAuthHeader(credentials: RegistryCredentials): string {
  return Buffer.from(JSON.stringify(credentials), 'utf8').toString('base64url');
}
