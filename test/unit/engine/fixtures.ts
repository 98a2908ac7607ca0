/** A hand-built project and observed states for planning tests: no loader, no engine. */
import type { Project } from '../../../src/config/project.js';
import { groupByService, type ObservedState } from '../../../src/engine/observe.js';
import { desiredContainer } from '../../../src/engine/service-spec.js';
import { type ContainerState, type ContainerSummary } from '../../../src/runtime/runtime.js';
import { LABELS } from '../../../src/engine/labels.js';

export function demoProject(): Project {
  return {
    name: 'demo',
    file: '/src/demo/devenv.yml',
    dir: '/src/demo',
    services: [
      {
        kind: 'postgres', name: 'db', dependsOn: [], aliases: [], restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000,
        image: 'postgres:15', version: '15', database: 'demo', user: 'postgres',
        password: 'secret', passwordGenerated: true, hostPort: 0, init: [], readyTimeoutMs: 60_000,
      },
      {
        kind: 'container', name: 'cache', dependsOn: [], aliases: [], oneshot: false, image: 'redis:7', ports: [], env: {}, volumes: [],
        health: { type: 'none' }, restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000,
      },
      {
        kind: 'container', name: 'app', dependsOn: [{ service: 'db', condition: 'healthy' }, { service: 'cache', condition: 'healthy' }],
        aliases: [], oneshot: false, image: 'demo-app:devenv',
        build: { context: '/src/demo', dockerfile: 'Dockerfile', args: {} },
        ports: [{ hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' }],
        env: { DATABASE_URL: [{ service: 'db', field: 'url' }], NODE_ENV: ['development'] },
        volumes: [],
        health: { type: 'http', path: '/health', port: 3000, intervalMs: 100, timeoutMs: 60_000 },
        restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000,
      },
    ],
    migrations: [
      { kind: 'sql', name: 'schema', when: 'always', database: 'db', dir: '/src/demo/db/migrations' },
      { kind: 'run', name: 'seed', when: 'always', service: 'app', command: ['sh', '-c', 'npm run seed'] },
    ],
  };
}

export function emptyObserved(): ObservedState {
  return observed({ containers: [], networks: [], volumes: [], images: [], localImages: {}, contextHashes: { app: 'ctx1' }, contexts: {}, busyPorts: {}, projectPorts: {}, ports: {}, imageIds: {}, fileHashes: {}, migrationRecords: {} });
}

/** An observed state from its flat parts, grouped the way observe() groups them. */
export function observed(parts: Omit<ObservedState, 'services' | 'orphans' | 'leftovers' | 'processes'> & { processes?: ObservedState['processes'] }, project = demoProject()): ObservedState {
  const groups = groupByService(parts.containers);
  const names = new Set(project.services.map((s) => s.name));
  return {
    ...parts,
    processes: parts.processes ?? new Map(),
    services: new Map(project.services.map((s) => {
      const [container, ...duplicates] = groups.get(s.name) ?? [];
      return [s.name, { duplicates, ...(container ? { container } : {}) }];
    })),
    orphans: parts.containers.filter((c) => c.labels[LABELS.role] === 'service' && !names.has(c.labels[LABELS.service] ?? '')),
    leftovers: parts.containers.filter((c) => c.labels[LABELS.role] !== 'service'),
  };
}

let seq = 0;
export function runningContainer(project: Project, service: string, state: ContainerState = 'running'): ContainerSummary {
  const s = project.services.find((x) => x.name === service)!;
  if (s.kind === 'process') throw new Error('fixture: a host process has no container');
  const desired = desiredContainer(project, s);
  seq += 1;
  return {
    id: `c${seq}`, name: desired.spec.name, image: s.image, state, status: state, ports: [], created: new Date(0),
    // The app runs the image its tag points at (sha256:1 in upObserved); pulled images are not compared.
    imageId: service === 'app' ? 'sha256:1' : '',
    labels: { ...desired.spec.labels, [LABELS.configHash]: desired.hash },
  };
}

/** Everything of demoProject() present and running, as after a first `up`. */
export function upObserved(project: Project): ObservedState {
  return observed({
    containers: [runningContainer(project, 'db'), runningContainer(project, 'cache'), runningContainer(project, 'app', 'running')],
    networks: [{ id: 'n1', name: 'demo-net', labels: { [LABELS.project]: 'demo' } }],
    volumes: [{ id: 'demo-db-data', name: 'demo-db-data', labels: { [LABELS.project]: 'demo' } }],
    images: [{ id: 'sha256:1', tags: ['demo-app:devenv'], labels: { [LABELS.project]: 'demo', [LABELS.service]: 'app' } }],
    localImages: { 'postgres:15': true, 'redis:7': true },
    contextHashes: { app: 'ctx1' },
    // .devenv/builds.json: sha256:1 was built from ctx1.
    contexts: { app: { now: { 'server.js': 'h2' }, built: { contextHash: 'ctx1', files: { 'server.js': 'h1' }, imageId: 'sha256:1' } } },
    busyPorts: {},
    projectPorts: {},
    ports: {},
    imageIds: {},
    fileHashes: {},
    migrationRecords: {},
  }, project);
}

/** The state again from its flat parts, after a test changed its containers. */
export function regroup(state: ObservedState, project = demoProject()): ObservedState {
  return observed(state, project);
}
