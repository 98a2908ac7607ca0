/**
 * Where the Docker engine listens, read from DOCKER_HOST or the docker context the way the docker CLI does.
 * The options are complete on purpose: docker-modem merges its own reading of process.env
 * under them, and an explicit env (tests, `--host`) must win over it.
 */
import type { DockerOptions } from 'dockerode';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DevenvError } from '../errors.js';

export interface EngineAddress {
  /** As shown to users: "unix:///var/run/docker.sock", "tcp://127.0.0.1:2375", "npipe:////./pipe/docker_engine". */
  address: string;
  options: DockerOptions;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';
const DEFAULT_PIPE = '//./pipe/docker_engine';

export function resolveEngineAddress(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  // Like the docker CLI: DOCKER_HOST, else the current docker context (Colima, OrbStack, rootless
  // Docker and Docker Desktop set one), else the default socket.
  const host = env.DOCKER_HOST?.trim() || contextHost(env);
  if (!host) {
    return process.platform === 'win32' ? socket('npipe://', DEFAULT_PIPE) : socket('unix://', defaultUnixSocket());
  }
  if (host.startsWith('unix://')) return socket('unix://', host.slice('unix://'.length) || DEFAULT_SOCKET);
  if (host.startsWith('npipe://')) return socket('npipe://', host.slice('npipe://'.length) || DEFAULT_PIPE);
  return remote(host.includes('://') ? host : `tcp://${host}`, env);
}

/** The engine address of the current docker context (DOCKER_CONTEXT, else `currentContext` in config.json). */
function contextHost(env: NodeJS.ProcessEnv): string | undefined {
  const configDir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  let name = env.DOCKER_CONTEXT?.trim();
  if (!name) {
    try {
      name = (JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      return undefined; // No config.json (or an unreadable one): the docker CLI uses the default too.
    }
  }
  if (!name || name === 'default') return undefined;
  const meta = join(configDir, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json');
  try {
    const host = (JSON.parse(readFileSync(meta, 'utf8')) as { Endpoints?: { docker?: { Host?: string } } }).Endpoints?.docker?.Host;
    if (host) return host;
  } catch {
    // Reported below.
  }
  throw new DevenvError('ENGINE_UNAVAILABLE', `the docker context "${name}" has no engine address (looked in ${meta})`, {
    hint: 'Run `docker context ls` and `docker context use` a working one, or set DOCKER_HOST.',
  });
}

function socket(scheme: string, socketPath: string): EngineAddress {
  return { address: `${scheme}${socketPath}`, options: { socketPath, host: undefined, port: undefined, protocol: 'http' } };
}

/** /var/run/docker.sock, or Docker Desktop's per-user socket when only that one exists. */
function defaultUnixSocket(): string {
  const desktop = join(homedir(), '.docker', 'run', 'docker.sock');
  return !existsSync(DEFAULT_SOCKET) && existsSync(desktop) ? desktop : DEFAULT_SOCKET;
}

function remote(hostUrl: string, env: NodeJS.ProcessEnv): EngineAddress {
  let url: URL;
  try {
    url = new URL(hostUrl);
  } catch (error) {
    throw new DevenvError('ENGINE_UNAVAILABLE', `DOCKER_HOST="${hostUrl}" is not an address devenv understands`, {
      hint: 'Set DOCKER_HOST to unix:///path/to/docker.sock, tcp://host:port or npipe:////./pipe/docker_engine.',
      cause: error,
    });
  }
  const ssh = url.protocol === 'ssh:';
  const tls = !ssh && (env.DOCKER_TLS_VERIFY === '1' || url.port === '2376' || Boolean(env.DOCKER_CERT_PATH));
  const port = url.port || (ssh ? '22' : tls ? '2376' : '2375');
  const options: DockerOptions = {
    socketPath: undefined,
    host: url.hostname,
    port,
    protocol: ssh ? 'ssh' : tls ? 'https' : 'http',
    ...(ssh ? { username: url.username || undefined, sshOptions: { agent: env.SSH_AUTH_SOCK } } : {}),
  };
  const certPath = env.DOCKER_CERT_PATH;
  if (tls && certPath) {
    try {
      options.ca = readFileSync(join(certPath, 'ca.pem'));
      options.cert = readFileSync(join(certPath, 'cert.pem'));
      options.key = readFileSync(join(certPath, 'key.pem'));
    } catch (error) {
      throw new DevenvError('ENGINE_UNAVAILABLE', `cannot read the TLS certificates in DOCKER_CERT_PATH=${certPath}: ${(error as Error).message}`, {
        hint: 'Point DOCKER_CERT_PATH at the folder holding ca.pem, cert.pem and key.pem, or unset it.',
        cause: error,
      });
    }
  }
  const shown = ssh ? hostUrl : `tcp://${url.hostname}:${port}`;
  return { address: shown, options };
}
