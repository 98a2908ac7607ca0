/** Health checks explain themselves: what the health path answered, and a wrong path fails early. */
import { afterEach, describe, expect, it } from 'vitest';
import { devenv } from '../helpers/cli.js';
import { removeProject, uniqueProject } from '../helpers/engine.js';
import { copyProject } from '../helpers/temp.js';

const projects: string[] = [];
const up = (env: Record<string, string>) => {
  const project = uniqueProject('health');
  projects.push(project);
  return devenv(['up', '-d', '-f', `${copyProject('test/fixtures/e2e/health-answers')}/devenv.yml`, '-p', project], { env });
};

describe('health answers', () => {
  afterEach(async () => { await Promise.all(projects.splice(0).map(removeProject)); });

  it('a health path that keeps answering 404 fails early, naming health.http and showing the body', async () => {
    // The deadline is 10 minutes: only recognising the 404 can end this within the test's timeout.
    const r = await up({ HEALTH_PATH: '/health' });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain("web's health check answers HTTP 404 for 3 s while it runs");
    expect(r.stderr).toContain('404 Not Found');
    expect(r.stderr).toContain('Check `health.http` of web in devenv.yml');
  }, 60_000);

  it('a 503 keeps devenv waiting, and its body is in the progress and in the error', async () => {
    const r = await up({ HEALTH_PATH: '/cgi-bin/unavailable', HEALTH_TIMEOUT: '3s' });
    expect(r.code).toBe(8);
    expect(r.stdout).toContain('service:web healthy | waiting: HTTP 503: Error: getaddrinfo ENOTFOUND database');
    expect(r.stderr).toContain('web did not become healthy within 3 s');
    expect(r.stderr).toContain('last result: HTTP 503: Error: getaddrinfo ENOTFOUND database');
  }, 60_000);
});
