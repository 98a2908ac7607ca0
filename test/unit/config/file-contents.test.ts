import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load-project.js';
import { DevenvError } from '../../../src/errors.js';
import { loadError, problems, tempProject } from './helpers.js';

/** Lines no error may repeat: a private key, an /etc/shadow entry, a password. */
const SECRET_LINES = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXk+dj/EAAAAABG5vbmU=', 'root:$6$Ab12$Zm9vYmFy:19000:0:99999:7:::', 'MY PASSWORD=hunter2', '=hunter3'];

function everythingShown(error: DevenvError): string {
  return [error.message, ...error.details, error.hint ?? ''].join('\n');
}

function expectNoSecret(error: DevenvError): void {
  const shown = everythingShown(error);
  for (const secret of ['BEGIN OPENSSH', 'b3BlbnNzaC1rZXk', 'root:', 'Zm9vYmFy', 'hunter', 'PASSWORD']) expect(shown).not.toContain(secret);
}

describe('errors about the contents of user files name the line, never its text', () => {
  it('an env_file of the wrong kind (a key, a shadow file) is reported by line number alone', async () => {
    const yaml = 'services:\n  a: { image: x, env_file: secrets.env }\n';
    const error = await loadError(yaml, { files: { 'secrets.env': `OK=1\n${SECRET_LINES.join('\n')}\n` } });
    expectNoSecret(error);
    expect(await problems(yaml, { files: { 'secrets.env': `OK=1\n${SECRET_LINES.join('\n')}\n` } })).toEqual([
      'secrets.env:2:1 line 2 is not KEY=value: it has no "="',
      'secrets.env:3:1 line 3 is not KEY=value: what comes before "=" is not a variable name',
      'secrets.env:4:1 line 4 is not KEY=value: it has no "="',
      'secrets.env:5:1 line 5 is not KEY=value: what comes before "=" is not a variable name',
      'secrets.env:6:1 line 6 is not KEY=value: nothing comes before "="',
    ]);
  });

  it('.env beside devenv.yml is reported the same way', async () => {
    const error = await loadError('services:\n  a: { image: x }\n', { files: { '.env': SECRET_LINES[2] ?? '' } });
    expect(error.message).toBe('.env:1:1 line 1 is not KEY=value: it has no "="');
    expectNoSecret(error);
  });

  it('a value of an env file that is not valid interpolation names the key, not the value', async () => {
    const yaml = 'services:\n  a: { image: x, env_file: app.env }\n';
    const lines = await problems(yaml, { files: { 'app.env': 'TOKEN=${hunter2 secret}\nOTHER=${!hunter4}\n' } });
    expect(lines).toEqual([
      'app.env:1:1 TOKEN: invalid "${": expected "}", ":-", "-", ":?" or "?" after the variable name',
      'app.env:2:1 OTHER: invalid "${": expected a variable name such as ${NAME}',
    ]);
    expect(lines.join('\n')).not.toContain('hunter');
  });

  it('a corrupt secrets.json does not repeat the passwords it holds', async () => {
    const dir = tempProject({ 'devenv.yml': 'services:\n  db: { postgres: {} }\n' });
    mkdirSync(path.join(dir, '.devenv'));
    writeFileSync(path.join(dir, '.devenv', 'secrets.json'), '{"passwords": {"db": hunter2}}');
    const error = await loadProject({ cwd: dir, env: {}, persistSecrets: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevenvError);
    expect((error as DevenvError).code).toBe('CONFIG_INVALID');
    expect(everythingShown(error as DevenvError)).not.toContain('hunter2');
    expect((error as DevenvError).message).toMatch(/^\/.*\/\.devenv\/secrets\.json(:\d+:\d+)?:? not valid JSON$/);
    // The cause (shown by --debug) would repeat it too.
    expect(String(((error as DevenvError).cause as Error | undefined)?.message ?? '')).not.toContain('hunter2');
  });
});
