/** The package as people install it: packed, installed into another project, run by its bin. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { copyProject, tempDir } from '../helpers/temp.js';

describe('the npm package', () => {
  it('installs without install scripts and its devenv bin runs from another project', () => {
    const dest = tempDir('pack');
    const packed = spawnSync('npm', ['pack', '--pack-destination', dest, '--json'], { cwd: repoRoot, encoding: 'utf8' });
    expect(packed.status, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'bin/devenv.js', 'dist/main.js', 'schemas/devenv.schema.json', 'package.json']));
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);

    const app = tempDir('consumer');
    writeFileSync(join(app, 'package.json'), '{ "name": "consumer", "private": true }\n');
    const installed = spawnSync('npm', ['install', join(dest, info!.filename), '--no-audit', '--no-fund'], { cwd: app, encoding: 'utf8' });
    expect(installed.status, installed.stderr).toBe(0);
    expect(installed.stderr).not.toMatch(/install-scripts/);

    const devenv = join(app, 'node_modules', '.bin', 'devenv');
    expect(spawnSync(devenv, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^devenv\/\d+\.\d+\.\d+ /);
    const example = copyProject('examples/node-postgres');
    const validated = spawnSync(devenv, ['validate'], { cwd: example, encoding: 'utf8' });
    expect(validated.status, validated.stderr).toBe(0);
    expect(validated.stdout).toContain('is valid: project "node-postgres"');
  }, 180_000);
});
