import { afterAll, describe, expect, it } from 'vitest';
import { connectRuntime } from '../../../src/runtime/docker-runtime.js';
import type { LogLine } from '../../../src/runtime/runtime.js';
import { removeProject, uniqueProject } from '../../helpers/engine.js';
import { busyboxSpec, collect } from './runtime-fixture.js';

const project = uniqueProject('rt-logs');
const runtime = connectRuntime();

afterAll(() => removeProject(project));

const script = 'echo out1; echo err1 >&2; sleep 1; printf "out2\\nout3"; echo " and more"; echo err2 >&2';

describe('DockerRuntime logs', () => {
  it('follows both streams line by line and ends when the container exits', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'talker', { command: ['sh', '-c', script] }));
    await runtime.startContainer(id);
    const lines = await collect(runtime.logs(id, { follow: true }));
    const by = (stream: LogLine['stream']) => lines.filter((l) => l.stream === stream).map((l) => l.line);
    expect(by('stdout')).toEqual(['out1', 'out2', 'out3 and more']);
    expect(by('stderr')).toEqual(['err1', 'err2']);

    // Past lines, without following, limited by tail.
    const tail = await collect(runtime.logs(id, { follow: false, tail: 2 }));
    // The engine records the two streams independently, so the order of lines written together varies.
    expect(tail).toHaveLength(2);
    for (const line of tail) expect(['out2', 'out3 and more', 'err2']).toContain(line.line);
  });

  it('ends a follow when the signal aborts', async () => {
    const id = await runtime.createContainer(busyboxSpec(project, 'ticker', {
      command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done'],
    }));
    await runtime.startContainer(id);
    const controller = new AbortController();
    const seen: string[] = [];
    // The ticker never stops: only the abort can end this loop before the test's timeout.
    for await (const line of runtime.logs(id, { follow: true, signal: controller.signal })) {
      seen.push(line.line);
      if (seen.length === 3) controller.abort();
    }
    expect(seen.slice(0, 3)).toEqual(['tick 1', 'tick 2', 'tick 3']);
  }, 30_000);
});
