/**
 * Turning what the engine client (engine-client.ts) throws into DevenvError.
 * docker-modem errors carry `statusCode` and `json` ({ message }) for HTTP errors; for streamed
 * endpoints `json` is null and the engine's message is only inside `message`.
 * Socket errors carry a Node `code` and `syscall`.
 */
import { DevenvError, isDevenvError } from '../errors.js';

interface EngineFailure {
  statusCode?: number;
  json?: { message?: string } | null;
  code?: string;
  syscall?: string;
  message?: string;
}

/** Node error codes that mean nothing answered at the address (not an engine-side failure). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

const UNAVAILABLE_HINT = 'Start Docker Desktop or the Docker engine, or set DOCKER_HOST to where it listens.';

export function statusCodeOf(error: unknown): number | undefined {
  const status = (error as EngineFailure | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The engine's own words, without docker-modem's "(HTTP code 404) no such container - " prefix. */
export function engineMessage(error: unknown): string {
  const failure = error as EngineFailure | undefined;
  const fromJson = failure?.json?.message;
  if (typeof fromJson === 'string' && fromJson.trim()) return fromJson.trim();
  const message = String(failure?.message ?? error);
  const match = /^\(HTTP code \d+\) [^-]*- ([\s\S]*)$/.exec(message);
  return (match?.[1] ?? message).trim();
}

/** True for a socket-level failure to reach the engine (as opposed to an HTTP error from it). */
export function isUnreachable(error: unknown): boolean {
  const failure = error as EngineFailure | undefined;
  if (!failure || typeof failure.code !== 'string' || statusCodeOf(error) !== undefined) return false;
  if (!UNREACHABLE.has(failure.code)) return false;
  // ENOENT/EACCES also come from the file system (a build context); only a failed connect counts.
  return failure.syscall === 'connect' || failure.syscall === 'getaddrinfo' || failure.code === 'ECONNREFUSED';
}

export function engineUnavailable(address: string, cause: unknown): DevenvError {
  const failure = cause as EngineFailure | undefined;
  const reason = failure?.code ?? engineMessage(cause);
  return new DevenvError('ENGINE_UNAVAILABLE', `no Docker engine answered at ${address} (${reason})`, {
    hint: UNAVAILABLE_HINT,
    cause,
  });
}

/**
 * Any engine failure as a DevenvError: unreachable socket → ENGINE_UNAVAILABLE, otherwise ENGINE_ERROR
 * "<what>: <engine message> (HTTP <status>)". DevenvErrors pass through unchanged.
 */
export function toDevenvError(error: unknown, address: string, what: string): DevenvError {
  if (isDevenvError(error)) return error;
  if (isUnreachable(error)) return engineUnavailable(address, error);
  const status = statusCodeOf(error);
  // Only a failure without an HTTP answer can be the TLS handshake's.
  const tls = status === undefined ? tlsProblem(error) : undefined;
  if (tls) {
    return new DevenvError('ENGINE_UNAVAILABLE', `the engine at ${address} could not be trusted over TLS: ${tls}`, {
      hint: 'DOCKER_CERT_PATH (or the docker context) must hold the ca.pem that signed the engine\'s certificate, and the cert.pem and key.pem the engine accepts; check DOCKER_HOST too.',
      cause: error,
    });
  }
  const suffix = status === undefined ? '' : ` (HTTP ${status})`;
  return new DevenvError('ENGINE_ERROR', `${what}: ${engineMessage(error)}${suffix}`, { cause: error });
}

/** The error a cancelled operation rejects with: the signal's reason if it already is a DevenvError. */
export function interrupted(signal: AbortSignal, what: string): DevenvError {
  const reason: unknown = signal.reason;
  if (isDevenvError(reason)) return reason;
  return new DevenvError('INTERRUPTED', `${what} was interrupted`, { cause: reason });
}

/**
 * The host address from an engine "port is already allocated" / "address already in use" message,
 * e.g. "127.0.0.1:5432"; undefined when the message is about something else.
 */
export function portInUseAddress(message: string): string | undefined {
  if (!/already allocated|address already in use|port is already in use/i.test(message)) return undefined;
  // "Bind for 127.0.0.1:5432 failed: port is already allocated"
  // "listen tcp4 127.0.0.1:5432: bind: address already in use"
  // "... exposing port TCP 127.0.0.1:5432 -> 0.0.0.0:0: listen tcp 127.0.0.1:5432: bind: ..."
  const match = /(?:Bind for|listen (?:tcp|udp)[46]?)\s+(\[?[0-9a-fA-F.:]*\]?:\d+)/.exec(message)
    ?? /((?:\d{1,3}\.){3}\d{1,3}:\d+)/.exec(message);
  return match?.[1] ?? 'unknown';
}

/** The message of a TLS handshake failure (an untrusted or mismatched certificate), else undefined. */
function tlsProblem(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException | undefined;
  const code = e?.code ?? '';
  const message = e?.message ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL|ERR_TLS/.test(code) || /certificate|alert (bad|unknown) ca|handshake/i.test(message)) return message || code;
  return undefined;
}
