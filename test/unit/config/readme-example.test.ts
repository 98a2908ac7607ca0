import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load-project.js';
import type { Project } from '../../../src/config/project.js';

const fixtures = fileURLToPath(new URL('../../fixtures/config/', import.meta.url));

describe('the README example', () => {
  it('normalises to the documented project', async () => {
    const dir = path.join(fixtures, 'readme-example');
    const project = await loadProject({ cwd: dir, env: { DB_PASSWORD: 's3cret', HOME: '/home/dev' }, persistSecrets: false });
    const expected: Project = {
      name: 'calsite',
      file: path.join(dir, 'devenv.yml'),
      dir,
      services: [
        {
          kind: 'postgres',
          name: 'db',
          dependsOn: [],
          aliases: [],
          restart: { policy: 'no', maxRestarts: 0 },
          stopTimeoutMs: 10_000,
          image: 'postgres:15',
          version: '15',
          database: 'calsite',
          user: 'calsite',
          password: 's3cret',
          passwordGenerated: false,
          passwordSource: '${DB_PASSWORD:-}',
          hostPort: 5432,
          init: [path.join(dir, 'db/init.sql')],
          readyTimeoutMs: 60_000,
        },
        {
          kind: 'container',
          name: 'app',
          dependsOn: [{ service: 'db', condition: 'healthy' }],
          aliases: [],
          oneshot: false,
          build: { context: dir, dockerfile: 'Dockerfile', args: {} },
          image: 'calsite-app:devenv',
          command: ['sh', '-c', 'npm run dev'],
          ports: [{ hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' }],
          env: {
            LOG_LEVEL: ['debug'],
            NODE_ENV: ['development'],
            DATABASE_URL: [{ service: 'db', field: 'url' }],
          },
          volumes: [{ type: 'bind', source: path.join(dir, 'src'), target: '/app/src', readOnly: false }],
          health: { type: 'http', path: '/api/health', port: 3000, intervalMs: 100, timeoutMs: 60_000 },
          restart: { policy: 'on-failure', maxRestarts: 3 }, stopTimeoutMs: 10_000,
        },
        {
          kind: 'container',
          name: 'cache',
          dependsOn: [],
          aliases: [],
          oneshot: false,
          image: 'redis:7',
          ports: [],
          env: {},
          volumes: [],
          health: { type: 'none' },
          restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000,
        },
      ],
      migrations: [
        { kind: 'run', name: 'schema', when: 'always', service: 'app', command: ['sh', '-c', 'npm run migrate'] },
        { kind: 'sql', name: 'seed', when: 'always', database: 'db', dir: path.join(dir, 'db/migrations') },
      ],
    };
    expect(project).toEqual(expected);
  });

  it('loads the minimal fixture through -f from another folder', async () => {
    const project = await loadProject({ cwd: fixtures, file: 'minimal/devenv.yml', env: {}, persistSecrets: false });
    expect(project.name).toBe('minimal');
    expect(project.services.map((s) => `${s.kind}:${s.name}`)).toEqual(['container:cache']);
    expect(project.migrations).toEqual([]);
  });
});
