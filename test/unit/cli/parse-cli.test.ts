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
    expect(() => parseCli(argv('upp'))).toThrow(expect.objectContaining({ code: 'USAGE', message: 'unknown command "upp" — did you mean "up"?' }));
    expect(() => parseCli(argv('frobnicate'))).toThrow(expect.objectContaining({ code: 'USAGE', message: 'unknown command "frobnicate"' }));
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

  it('takes service names after up and the lifecycle commands, flags anywhere', () => {
    expect(parseCli(argv('up', '-d', 'app', 'worker'))).toMatchObject({ args: ['app', 'worker'], options: { detach: true } });
    // mri would read "app" as the value of a multi-word flag; devenv reads it as a service.
    expect(parseCli(argv('up', '--force-recreate', 'app'))).toMatchObject({ args: ['app'], options: { forceRecreate: true } });
    expect(parseCli(argv('restart', 'app', '--debug'))?.args).toEqual(['app']);
    expect(parseCli(argv('logs', 'app', 'db', '-n', '5'))).toMatchObject({ args: ['app', 'db'], options: { tail: 5 } });
  });

  it('gives exec and run everything after the service as the command, its flags included', () => {
    expect(parseCli(argv('exec', '-T', 'app', 'ls', '-la', '--color'))).toMatchObject({ command: ['ls', '-la', '--color'], options: { tty: false } });
    expect(parseCli(argv('exec', '-e', 'A=1', '-e', 'B=2', 'db', 'psql', '-c', 'select 1'))).toMatchObject({
      command: ['psql', '-c', 'select 1'],
      options: { env: ['A=1', 'B=2'] },
    });
    expect(parseCli(argv('run', '--no-rm', 'app', '--', 'npm', 'test'))).toMatchObject({ command: ['npm', 'test'], options: { rm: false } });
    expect(parseCli(argv('exec', 'db'))?.command).toEqual([]);
  });

  it('keeps option values as typed: -p 007 is the project "007", not 7', () => {
    expect(parseCli(argv('ps', '-p', '007'))?.options.project).toBe('007');
    expect(parseCli(argv('down', '--project=1e3'))?.options.project).toBe('1e3');
    expect(parseCli(argv('exec', '-u', '1000', 'app', 'id'))?.options.user).toBe('1000');
  });

  it('takes "-" as the value of -o (stdout), not as an option', () => {
    expect(parseCli(argv('export', 'compose', '-o', '-'))?.options.output).toBe('-');
    expect(parseCli(argv('db', 'dump', '--output', '-'))?.options.output).toBe('-');
    expect(parseCli(argv('db', 'dump', '-o', 'x.sql'))?.options.output).toBe('x.sql');
  });

  it('refuses a stray "--" outside exec and run', () => {
    expect(() => parseCli(argv('up', '--', 'x'))).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
