/**
 * DOCKER_HOST=tcp://…:2376 with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, as the docker CLI reads them:
 * a TLS endpoint that demands a client certificate (a Node TLS server in front of this machine's
 * engine socket, with certificates openssl makes for the test) serves devenv's commands; the wrong
 * CA is refused with a clear error.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devenv } from '../../helpers/cli.js';
import { uniqueProject } from '../../helpers/engine.js';
import { tempDir } from '../../helpers/temp.js';

let server: Server;
let port = 0;
let certs = '';
let strangers = '';

/** A CA, and a certificate it signs (for 127.0.0.1 when server). */
function issue(dir: string, withServer: boolean): void {
  mkdirSync(dir, { recursive: true });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=devenv-test-ca');
  const sign = (name: string, subject: string, ext: string) => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  if (withServer) sign('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  sign('cert', '/CN=devenv-client', 'extendedKeyUsage=clientAuth\n');
  // The docker CLI's names: ca.pem, cert.pem, key.pem.
  writeFileSync(join(dir, 'key.pem'), readFileSync(join(dir, 'cert-key.pem')));
}

beforeAll(async () => {
  certs = tempDir('tls-certs');
  strangers = tempDir('tls-strangers');
  issue(certs, true);
  issue(strangers, false);
  server = createServer({
    key: readFileSync(join(certs, 'server-key.pem')),
    cert: readFileSync(join(certs, 'server.pem')),
    ca: readFileSync(join(certs, 'ca.pem')),
    requestCert: true,
    rejectUnauthorized: true,
  }, (tls) => {
    const engine = connect('/var/run/docker.sock');
    tls.pipe(engine).pipe(tls);
    tls.on('error', () => engine.destroy());
    engine.on('error', () => tls.destroy());
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
}, 60_000);

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the TLS transport', () => {
  it('serves devenv with the client certificate from DOCKER_CERT_PATH', async () => {
    const project = uniqueProject('tls');
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs };
    const r = await devenv(['ps', '-p', project], { env, cwd: '/' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`No containers for project "${project}".\n`);
    const doctor = await devenv(['doctor'], { env, cwd: '/' });
    expect(doctor.stdout).toMatch(new RegExp(`✔ engine: Docker \\S+ \\(API [\\d.]+\\) at tcp://127\\.0\\.0\\.1:${port}`));
  }, 30_000);

  it('refuses an engine whose certificate another CA signed, saying so', async () => {
    const env = { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: strangers };
    const r = await devenv(['ps', '-p', uniqueProject('tls')], { env, cwd: '/' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/tcp:\/\/127\.0\.0\.1:\d+/);
    expect(r.stderr).toMatch(/certificate|self.signed|unable to verify/i);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
  }, 30_000);
});
