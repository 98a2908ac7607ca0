/**
 * DOCKER_HOST=ssh://user@host: devenv reaches the engine through `ssh … docker system dial-stdio`, as
 * the docker CLI does. A stand-in `ssh` on PATH records how it was called and bridges to this
 * machine's engine socket, so the test needs no ssh server.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devenv } from '../../helpers/cli.js';
import { uniqueProject } from '../../helpers/engine.js';
import { tempDir } from '../../helpers/temp.js';

describe('the ssh transport', () => {
  it('runs commands over ssh … docker system dial-stdio, and exits when done', async () => {
    const bin = tempDir('fake-ssh');
    const calls = join(bin, 'calls.txt');
    writeFileSync(join(bin, 'ssh'), `#!${process.execPath}
const fs = require('node:fs');
const net = require('node:net');
fs.appendFileSync(${JSON.stringify(calls)}, process.argv.slice(2).join(' ') + '\\n');
const socket = net.connect('/var/run/docker.sock');
process.stdin.pipe(socket);
socket.pipe(process.stdout);
socket.on('close', () => process.exit(0));
`);
    chmodSync(join(bin, 'ssh'), 0o755);
    const env = { DOCKER_HOST: 'ssh://dev@build-box:2222', PATH: `${bin}:${process.env.PATH}` };
    const project = uniqueProject('ssh');
    // The test's timeout bounds it: a connection that kept devenv alive would make it hang.
    const r = await devenv(['ps', '-p', project], { env, cwd: '/' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`No containers for project "${project}".\n`);
    const lines = readFileSync(calls, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toBe('-l dev -p 2222 -o BatchMode=yes -- build-box docker system dial-stdio');
  }, 30_000);
});
