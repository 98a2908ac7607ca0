import { describe, expect, it } from 'vitest';
import { parseCli } from '../../../src/cli/main.js';

const argv = (...args: string[]) => ['node', 'devenv', ...args];

describe('parseCli', () => {
  it('returns the command to run, loaded lazily, with --debug noted', () => {
    const parsed = parseCli(argv('validate', '--debug'));
    expect(parsed).toMatchObject({ debug: true });
    expect(typeof parsed?.run).toBe('function');
  });

  it('rejects an unknown command as a usage error naming it', () => {
    expect(() => parseCli(argv('upp'))).toThrow(expect.objectContaining({ code: 'USAGE', message: 'unknown command "upp"' }));
  });

  it('rejects an unknown option', () => {
    expect(() => parseCli(argv('down', '--volume'))).toThrow('Unknown option `--volume`');
  });

  it('reads -f as --follow in logs, as docker compose does, and as --file elsewhere', () => {
    expect(parseCli(argv('logs', '-f', 'app'))?.options).toMatchObject({ follow: true });
    expect(parseCli(argv('logs', '-f', 'app'))?.options.file).toBeUndefined();
    expect(parseCli(argv('-f', 'x.yml', 'logs', 'app', '-f'))?.options).toMatchObject({ file: 'x.yml', follow: true });
    expect(parseCli(argv('ps', '-f', 'x.yml'))?.options).toMatchObject({ file: 'x.yml' });
  });
});
