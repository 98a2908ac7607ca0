import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** The images of test/images.txt: every image the integration and end-to-end tests use. */
export function testImages(): string[] {
  return readFileSync(join(repoRoot, 'test/images.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
