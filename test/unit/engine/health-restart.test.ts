/** What the readiness wait says of a container its restart policy restarted while devenv waited. */
import { describe, expect, it } from 'vitest';
import type { ContainerService } from '../../../src/config/project.js';
import { loopbackHint, waitHealthy } from '../../../src/engine/health.js';
import type { ContainerDetails, Runtime } from '../../../src/runtime/runtime.js';
import { demoProject } from './fixtures.js';

/** A container seen running, then running again after a crash: inspect then shows the new run (exit code 0). */
function restartedOnce(crashCode: number | undefined): Runtime {
  let calls = 0;
  const base = { id: 'c1', name: 'demo-app', image: 'x', labels: {}, ports: [], state: 'running' } as unknown as ContainerDetails;
  return {
    inspectContainer: async () => ({ ...base, startedAt: Date.now() - 1000, exitCode: 0, restartCount: calls++ === 0 ? 0 : 1, oomKilled: false }),
    lastExitCode: async () => crashCode,
    logs: async function* () { yield { stream: 'stdout', line: 'Error: JWT_SECRET not found' }; },
  } as unknown as Runtime;
}

describe('waitHealthy on a container that restarted', () => {
  const app = () => ({ ...demoProject().services.find((s) => s.name === 'app'), health: { type: 'none' } }) as ContainerService;

  it('names the crash\'s exit code from the engine\'s events, not the new run\'s 0', async () => {
    await expect(waitHealthy(restartedOnce(1), 'c1', app(), { signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'SERVICE_EXITED',
      message: 'app restarted (exit code 1) while devenv waited for it to stay up',
      details: ['Error: JWT_SECRET not found'],
    });
  });

  it('says only that it exited when the events do not say how', async () => {
    await expect(waitHealthy(restartedOnce(undefined), 'c1', app(), { signal: new AbortController().signal })).rejects.toMatchObject({
      message: 'app restarted (it exited) while devenv waited for it to stay up',
    });
  });
});

describe('loopbackHint', () => {
  it('an app in a container that could not reach localhost is told that is the container itself', () => {
    expect(loopbackHint(['Failed to connect to the database connect ECONNREFUSED 127.0.0.1:5432'], 'app')).toContain('app tried 127.0.0.1:5432, which inside its container is the container itself');
    expect(loopbackHint(['Error: connect ECONNREFUSED ::1:6379'], 'api')).toContain('api tried ::1:6379');
    expect(loopbackHint(['Error: connect ECONNREFUSED 172.18.0.2:5432', 'listening on 127.0.0.1:3000'], 'app')).toBeUndefined();
  });
});
