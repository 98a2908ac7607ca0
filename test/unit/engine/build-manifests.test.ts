import { describe, expect, it } from 'vitest';
import { describeChanges } from '../../../src/engine/build-manifests.js';

describe('describeChanges', () => {
  it('names the files that changed, were added or removed, not their folders', () => {
    expect(describeChanges({ 'devenv.yml': 'a', 'server.js': 'b' }, { 'devenv.yml': 'c', 'server.js': 'b' })).toBe('devenv.yml');
    expect(describeChanges({ 'a.js': '1' }, { 'a.js': '1', 'src/': 'd', 'src/b.js': '2' })).toBe('added src/b.js');
    expect(describeChanges({ 'a.js': '1', 'old.js': '2' }, { 'a.js': '1' })).toBe('removed old.js');
    expect(describeChanges({ 'empty/': 'd' }, {})).toBe('removed empty/');
  });

  it('says how many more when many changed', () => {
    const before = { a: '1', b: '1', c: '1', d: '1', e: '1' };
    expect(describeChanges(before, { a: '2', b: '2', c: '2', d: '2', e: '2' })).toBe('a, b, c and 2 more');
  });
});
