/** The CLI as a process: validate and config, help and usage errors. No engine needed. */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { devenv, repoRoot } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const examples = readdirSync(join(repoRoot, 'examples')).map((name) => join(repoRoot, 'examples', name, 'devenv.yml'));

function projectWith(yaml: string): string {
  const dir = tempDir('devenv-validate');
  writeFileSync(join(dir, 'devenv.yml'), yaml);
  return dir;
}

describe('devenv validate', () => {
  it.each([join(repoRoot, 'devenv.yml'), ...examples])('accepts %s', async (file) => {
    const r = await devenv(['validate', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/is valid: project "[a-z0-9_-]+", \d service\(s\)/);
  });

  it('reports every problem with file:line:column and exits 2, without a stack trace', async () => {
    const cwd = projectWith('services:\n  app:\n    image: busybox\n    port: 30o0\n    depends_on: [dbb]\n');
    const r = await devenv(['validate'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('devenv.yml:4:11 services.app.port: expected a port number 1-65535, got "30o0"');
    expect(r.stderr).toContain('devenv.yml:5:18 services.app.depends_on[0]: unknown service "dbb"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says where it looked when there is no devenv.yml', async () => {
    const r = await devenv(['validate'], { cwd: tempDir('devenv-empty') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no devenv.yml found');
    expect(r.stderr).toContain('-f/--file');
  });
});

describe('devenv config', () => {
  it('prints the normalised project with defaults filled and the password masked', async () => {
    const cwd = projectWith('name: shop\nservices:\n  db:\n    postgres:\n      password: hunter2-secret\n');
    const r = await devenv(['config', '--json'], { cwd });
    expect(r.code).toBe(0);
    const project = JSON.parse(r.stdout);
    expect(project.services[0]).toMatchObject({ name: 'db', image: 'postgres:15', database: 'shop', user: 'postgres', password: '****', hostPort: 0 });
    expect(r.stdout).not.toContain('hunter2-secret');
  });
});

describe('the CLI shell', () => {
  it('prints help and version', async () => {
    const help = await devenv(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('up');
    expect(help.stdout).toContain('--file');
    const version = await devenv(['--version']);
    expect(version.stdout).toMatch(/\d+\.\d+\.\d+/);
  });

  it('exits 2 on an unknown command or option', async () => {
    expect((await devenv(['frob'])).code).toBe(2);
    const r = await devenv(['up', '--frob']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--frob');
  });
});
