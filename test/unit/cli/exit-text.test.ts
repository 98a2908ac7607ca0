import { describe, expect, it } from 'vitest';
import { exitText } from '../../../src/cli/commands/ps.js';

describe('ps: an exit code as shown', () => {
  it('names the signal a code above 128 stands for, and leaves others as they are', () => {
    expect(exitText(143)).toBe('143, SIGTERM');
    expect(exitText(137)).toBe('137, SIGKILL');
    expect(exitText(130)).toBe('130, SIGINT');
    expect(exitText(1)).toBe('1');
    expect(exitText(0)).toBe('0');
    expect(exitText(255)).toBe('255');
    expect(exitText(undefined)).toBe('?');
  });
});
