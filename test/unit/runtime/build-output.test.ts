import { describe, expect, it } from 'vitest';
import { BuildOutput, instruction } from '../../../src/runtime/build-output.js';
import { log, trace, vertex } from './protobuf-encode.js';

describe('BuildOutput with BuildKit trace messages', () => {
  it('shows steps as they start and complete, with their log lines', () => {
    const lines: string[] = [];
    const output = new BuildOutput((line) => lines.push(line));
    output.push(trace(vertex({ digest: 'd1', name: '[1/2] FROM docker.io/library/node:20', started: 1000, completed: 1000, cached: true })));
    output.push(trace(vertex({ digest: 'd2', name: '[2/2] RUN npm ci', started: 2000 })));
    output.push(trace(log('d2', 'added 1 package'), log('d2', ' in 2s\nnpm notice\n')));
    output.push(trace(vertex({ digest: 'd2', name: '[2/2] RUN npm ci', started: 2000, completed: 4500 })));
    output.push({ id: 'moby.image.id', aux: { ID: 'sha256:abc' } });
    output.finish();
    expect(lines).toEqual([
      '[1/2] FROM docker.io/library/node:20: CACHED',
      '[2/2] RUN npm ci',
      '  added 1 package in 2s',
      '  npm notice',
      '[2/2] RUN npm ci: done in 2.5s',
    ]);
    expect(output.failure()).toBeUndefined();
    expect(output.imageId).toBe('sha256:abc');
  });

  it('reports the failing step with its last output lines', () => {
    const output = new BuildOutput(() => undefined);
    output.push(trace(vertex({ digest: 'ok', name: '[stage-0 1/3] RUN echo fine', started: 1, completed: 2 }), log('ok', 'fine\n')));
    output.push(trace(vertex({ digest: 'bad', name: '[stage-0 2/3] RUN npm ci', started: 3 })));
    const many = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n');
    output.push(trace(log('bad', `${many}\n`), log('bad', 'npm ERR! missing package-lock', 2)));
    output.push(trace(vertex({ digest: 'bad', name: '[stage-0 2/3] RUN npm ci', started: 3, completed: 9, error: 'exit code: 1' })));
    output.push({ errorDetail: { message: 'executor failed running [/bin/sh -c npm ci]: exit code: 1' }, error: 'executor failed…' });
    output.finish();
    const failure = output.failure()!;
    expect(failure.step).toBe('RUN npm ci');
    expect(failure.error).toBe('executor failed running [/bin/sh -c npm ci]: exit code: 1');
    expect(failure.details).toHaveLength(30);
    expect(failure.details.at(-1)).toBe('npm ERR! missing package-lock');
    expect(failure.details[0]).toBe('line 12');
  });

  it('ignores a trace it cannot decode', () => {
    const lines: string[] = [];
    const output = new BuildOutput((line) => lines.push(line));
    output.push({ id: 'moby.buildkit.trace', aux: Buffer.from([0x0a, 0x05, 0x01]).toString('base64') });
    expect(lines).toEqual([]);
    expect(output.failure()).toBeUndefined();
  });
});

describe('BuildOutput with the classic builder', () => {
  it('passes stream lines through and keeps the failing step', () => {
    const lines: string[] = [];
    const output = new BuildOutput((line) => lines.push(line));
    for (const stream of ['Step 1/3 : FROM busybox\n', ' ---> 8021182ce2a7\n', 'Step 2/3 : RUN make\n', ' ---> Running in 1a\n', 'compil', 'ing\n', '\u001b[91mmake: *** error\n\u001b[0m']) {
      output.push({ stream });
    }
    output.push({ errorDetail: { message: "The command '/bin/sh -c make' returned a non-zero code: 2" }, error: '…' });
    output.finish();
    expect(lines).toContain('compiling');
    expect(lines).toContain('make: *** error');
    expect(output.failure()).toEqual({
      step: 'RUN make',
      error: "The command '/bin/sh -c make' returned a non-zero code: 2",
      details: ['compiling', 'make: *** error'],
    });
  });

  it('takes the image ID from aux', () => {
    const output = new BuildOutput(() => undefined);
    output.push({ aux: { ID: 'sha256:123' } });
    output.push({ stream: 'Successfully built 123\n' });
    expect(output.imageId).toBe('sha256:123');
  });

  it('reports an error before any step', () => {
    const output = new BuildOutput(() => undefined);
    output.push({ error: 'dockerfile parse error line 2: unknown instruction: RUNN' });
    expect(output.failure()).toEqual({ step: undefined, error: 'dockerfile parse error line 2: unknown instruction: RUNN', details: [] });
  });
});

describe('instruction', () => {
  it('strips the step prefix', () => {
    expect(instruction('[stage-0 2/5] RUN npm ci')).toBe('RUN npm ci');
    expect(instruction('[builder 3/4] COPY . .')).toBe('COPY . .');
    expect(instruction('Step 4/4 : RUN exit 3')).toBe('RUN exit 3');
  });
});
