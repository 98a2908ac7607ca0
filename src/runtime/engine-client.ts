/**
 * A small client of the Docker Engine API: HTTP over the engine's socket (unix, tcp, tls, or ssh
 * through `docker system dial-stdio`), JSON in and out, streamed bodies, and hijacked connections
 * for interactive exec and attach.
 *
 * devenv used dockerode; loading it pulled in gRPC, protobufjs and ssh2 on every command (~100 ms)
 * and npm install-script warnings for native addons it never needed. Only the calls below are used.
 * Errors keep docker-modem's shape (statusCode, json.message) so engine-errors.ts reads both.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { Duplex, Writable, type Readable } from 'node:stream';

// node:https (and tls) load only for an engine reached over TLS: a socket engine does not pay for them.
const https = () => createRequire(import.meta.url)('node:https') as typeof import('node:https');

export type EngineTransport =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number }
  /** insecure: TLS without verifying the engine's certificate (DOCKER_TLS=1, a context's SkipTLSVerify). */
  | { kind: 'tls'; host: string; port: number; ca?: Buffer; cert?: Buffer; key?: Buffer; insecure?: boolean }
  /** `ssh [-l user] [-p port] host docker system dial-stdio`, as the docker CLI does for ssh:// hosts. */
  | { kind: 'ssh'; host: string; user?: string; port?: number };

/** An HTTP error from the engine, shaped like docker-modem's. */
export class EngineHttpError extends Error {
  override readonly name = 'EngineHttpError';
  constructor(
    readonly statusCode: number,
    readonly json: { message?: string } | null,
    what: string,
  ) {
    super(`(HTTP code ${statusCode}) ${what} - ${json?.message ?? ''}`.trim());
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** A value sent as JSON, or a stream sent as is (a build context). */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class EngineClient {
  private readonly agent: http.Agent;

  constructor(readonly transport: EngineTransport) {
    this.agent = makeAgent(transport);
  }

  /** A request whose answer is JSON (or nothing); HTTP errors throw EngineHttpError. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.stream(method, path, options);
    const text = await readAll(res);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A request whose body is streamed to the caller (logs, pulls, builds). The status is checked first. */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = this.request(method, path, options);
      req.once('response', resolve);
      req.once('error', reject);
      send(req, options.body);
    });
    await checkStatus(res, method, path);
    return res;
  }

  /**
   * A hijacked connection (exec start, attach): after the engine switches protocols the socket
   * carries the process's stdin one way and its output the other.
   */
  async hijack(path: string, options: RequestOptions = {}): Promise<Duplex> {
    return new Promise<Duplex>((resolve, reject) => {
      const req = this.request('POST', path, { ...options, headers: { ...options.headers, Connection: 'Upgrade', Upgrade: 'tcp' } });
      req.once('upgrade', (_res, socket: Socket, head: Buffer) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      // An engine that does not switch protocols answers with the stream as a plain body (output only).
      req.once('response', (res) => {
        checkStatus(res, 'POST', path).then(() => resolve(outputOnly(res)), reject);
      });
      req.once('error', reject);
      send(req, options.body);
    });
  }

  private request(method: string, path: string, options: RequestOptions): http.ClientRequest {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) query.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
    }
    const qs = query.toString();
    const json = options.body !== undefined && !isStream(options.body);
    const request = this.transport.kind === 'tls' ? https().request : http.request;
    return request({
      agent: this.agent,
      method,
      path: qs ? `${path}?${qs}` : path,
      ...(this.transport.kind === 'unix' ? { socketPath: this.transport.socketPath } : {}),
      ...(this.transport.kind === 'tcp' || this.transport.kind === 'tls' ? { host: this.transport.host, port: this.transport.port } : {}),
      ...(this.transport.kind === 'ssh' ? { host: 'docker' } : {}),
      headers: { ...(json ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
      signal: options.signal,
      // Without TLS there is no server name to send, and working it out compiles Node's IPv6 regex (~18 ms).
      ...(this.transport.kind === 'tls' ? {} : { servername: '' }),
    } as http.RequestOptions);
  }
}

function makeAgent(transport: EngineTransport): http.Agent {
  if (transport.kind === 'tls') {
    return new (https().Agent)({ keepAlive: true, ca: transport.ca, cert: transport.cert, key: transport.key, rejectUnauthorized: !transport.insecure });
  }
  if (transport.kind === 'ssh') return new SshAgent(transport);
  return new http.Agent({ keepAlive: true });
}

/**
 * Each connection is an `ssh … docker system dial-stdio` process: the engine's socket on the remote
 * host. Not kept alive: an idle ssh process would keep devenv running, and the duplex over its pipes
 * is no socket (no setKeepAlive, no unref).
 */
class SshAgent extends http.Agent {
  constructor(private readonly target: Extract<EngineTransport, { kind: 'ssh' }>) {
    super({ keepAlive: false });
  }

  override createConnection(): Duplex {
    const { host, user, port } = this.target;
    const args = [...(user ? ['-l', user] : []), ...(port ? ['-p', String(port)] : []), '-o', 'BatchMode=yes', '--', host, 'docker', 'system', 'dial-stdio'];
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin });
    child.once('error', (error) => duplex.destroy(Object.assign(error, { syscall: 'connect' })));
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) {
        duplex.destroy(Object.assign(new Error(`ssh ${host} exited with code ${code}: ${stderr.trim()}`), { code: 'ECONNREFUSED', syscall: 'connect' }));
      }
    });
    duplex.once('close', () => child.kill());
    return duplex;
  }
}

function isStream(body: unknown): body is Readable {
  return typeof (body as Readable | undefined)?.pipe === 'function';
}

function send(req: http.ClientRequest, body: unknown): void {
  if (body === undefined) req.end();
  else if (isStream(body)) {
    body.once('error', (error) => req.destroy(error));
    body.pipe(req);
  } else req.end(JSON.stringify(body));
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

async function checkStatus(res: http.IncomingMessage, method: string, path: string): Promise<void> {
  const status = res.statusCode ?? 0;
  if (status < 400) return;
  const text = await readAll(res).catch(() => '');
  let json: { message?: string } | null;
  try {
    json = JSON.parse(text) as { message?: string };
  } catch {
    json = text.trim() ? { message: text.trim() } : null;
  }
  throw new EngineHttpError(status, json, `${method} ${path.split('?')[0]}`);
}

/** A read-only stream presented as a Duplex whose writes go nowhere. */
function outputOnly(res: http.IncomingMessage): Duplex {
  return Duplex.from({ readable: res, writable: new Writable({ write: (_chunk, _encoding, done) => done() }) });
}
