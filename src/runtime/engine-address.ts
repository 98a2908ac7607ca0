/**
 * Where the Docker engine listens, read from DOCKER_HOST or the docker context the way the docker CLI
 * does: DOCKER_HOST (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH for tcp), else the current docker
 * context (Colima, OrbStack, rootless Docker and Docker Desktop set one; its TLS material too), else
 * the default socket.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DevenvError } from '../errors.js';
import type { EngineTransport } from './engine-client.js';

export interface EngineAddress {
  /** As shown to users: "unix:///var/run/docker.sock", "tcp://127.0.0.1:2375", "ssh://me@box". */
  address: string;
  transport: EngineTransport;
  /** True when the engine runs on another machine: published ports are on that machine. */
  remote: boolean;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';
const DEFAULT_PIPE = '//./pipe/docker_engine';

interface ContextEndpoint {
  host: string;
  /** Folder holding the context's ca.pem, cert.pem and key.pem, when it has TLS material. */
  tlsDir?: string;
  skipVerify: boolean;
}

export function resolveEngineAddress(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  const fromEnv = env.DOCKER_HOST?.trim();
  const context = fromEnv ? undefined : contextEndpoint(env);
  const host = fromEnv || context?.host;
  if (!host) {
    return process.platform === 'win32' ? socket('npipe://', DEFAULT_PIPE) : socket('unix://', defaultUnixSocket(env));
  }
  if (host.startsWith('unix://')) return socket('unix://', host.slice('unix://'.length) || DEFAULT_SOCKET);
  if (host.startsWith('npipe://')) return socket('npipe://', host.slice('npipe://'.length) || DEFAULT_PIPE);
  return remote(host.includes('://') ? host : `tcp://${host}`, env, context);
}

function configDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
}

/** The engine endpoint of the current docker context (DOCKER_CONTEXT, else `currentContext` in config.json). */
function contextEndpoint(env: NodeJS.ProcessEnv): ContextEndpoint | undefined {
  const dir = configDir(env);
  let name = env.DOCKER_CONTEXT?.trim();
  if (!name) {
    try {
      name = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      return undefined; // No config.json (or an unreadable one): the docker CLI uses the default too.
    }
  }
  if (!name || name === 'default') return undefined;
  const id = createHash('sha256').update(name).digest('hex');
  const meta = join(dir, 'contexts', 'meta', id, 'meta.json');
  try {
    const docker = (JSON.parse(readFileSync(meta, 'utf8')) as { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } }).Endpoints?.docker;
    const tlsDir = join(dir, 'contexts', 'tls', id, 'docker');
    if (docker?.Host) return { host: docker.Host, skipVerify: Boolean(docker.SkipTLSVerify), ...(existsSync(tlsDir) ? { tlsDir } : {}) };
  } catch {
    // Reported below.
  }
  throw new DevenvError('ENGINE_UNAVAILABLE', `the docker context "${name}" has no engine address (looked in ${meta})`, {
    hint: 'Run `docker context ls` and `docker context use` a working one, or set DOCKER_HOST.',
  });
}

function socket(scheme: string, socketPath: string): EngineAddress {
  return { address: `${scheme}${socketPath}`, transport: { kind: 'unix', socketPath }, remote: false };
}

/** /var/run/docker.sock, or Docker Desktop's per-user socket when only that one exists. */
function defaultUnixSocket(env: NodeJS.ProcessEnv): string {
  const desktop = join(env.HOME || homedir(), '.docker', 'run', 'docker.sock');
  return !existsSync(DEFAULT_SOCKET) && existsSync(desktop) ? desktop : DEFAULT_SOCKET;
}

function remote(hostUrl: string, env: NodeJS.ProcessEnv, context: ContextEndpoint | undefined): EngineAddress {
  let url: URL;
  try {
    url = new URL(hostUrl);
  } catch (error) {
    throw new DevenvError('ENGINE_UNAVAILABLE', `DOCKER_HOST="${hostUrl}" is not an address devenv understands`, {
      hint: 'Set DOCKER_HOST to unix:///path/to/docker.sock, tcp://host:port, ssh://user@host or npipe:////./pipe/docker_engine.',
      cause: error,
    });
  }
  // URL keeps the brackets of an IPv6 address; a socket wants it bare.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const local = ['127.0.0.1', 'localhost', '::1'].includes(hostname);
  if (url.protocol === 'ssh:') {
    return {
      address: hostUrl,
      transport: { kind: 'ssh', host: hostname, ...(url.username ? { user: decodeURIComponent(url.username) } : {}), ...(url.port ? { port: Number(url.port) } : {}) },
      remote: !local,
    };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DevenvError('ENGINE_UNAVAILABLE', `DOCKER_HOST="${hostUrl}" uses ${url.protocol.slice(0, -1)}://, which devenv does not speak`, {
      hint: 'Use unix://, tcp://, ssh:// or npipe://.',
    });
  }
  // As the docker CLI: TLS when DOCKER_TLS_VERIFY is set (certificates from DOCKER_CERT_PATH, default
  // ~/.docker), for the usual TLS port, or when the docker context carries TLS material.
  const certDir = context?.tlsDir ?? (env.DOCKER_CERT_PATH || (env.DOCKER_TLS_VERIFY ? configDir(env) : undefined));
  // DOCKER_CERT_PATH alone does not turn TLS on (the docker CLI needs DOCKER_TLS_VERIFY too).
  const tls = Boolean(env.DOCKER_TLS_VERIFY) || env.DOCKER_TLS === '1' || url.port === '2376' || url.protocol === 'https:' || Boolean(context?.tlsDir);
  const insecure = Boolean(context?.skipVerify) || (!env.DOCKER_TLS_VERIFY && env.DOCKER_TLS === '1');
  const port = Number(url.port || (tls ? 2376 : 2375));
  const address = `tcp://${url.hostname}:${port}`;
  if (!tls) return { address, transport: { kind: 'tcp', host: hostname, port }, remote: !local };
  return { address, transport: { kind: 'tls', host: hostname, port, ...readCertificates(certDir), ...(insecure ? { insecure } : {}) }, remote: !local };
}

function readCertificates(dir: string | undefined): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  if (!dir) return {};
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file)) : undefined);
  try {
    const [ca, cert, key] = [read('ca.pem'), read('cert.pem'), read('key.pem')];
    return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  } catch (error) {
    throw new DevenvError('ENGINE_UNAVAILABLE', `cannot read the TLS certificates in ${dir}: ${(error as Error).message}`, {
      hint: 'Point DOCKER_CERT_PATH at the folder holding ca.pem, cert.pem and key.pem, or unset it.',
      cause: error,
    });
  }
}
