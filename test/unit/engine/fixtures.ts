/** A hand-built project and observed states for planning tests: no loader, no engine. */
import type { Project } from '../../../src/config/project.js';
import type { ObservedState } from '../../../src/engine/observe.js';
import { desiredContainer, FIELDS_LABEL } from '../../../src/engine/service-spec.js';
import { LABELS, type ContainerState, type ContainerSummary } from '../../../src/runtime/runtime.js';

export function demoProject(): Project {
  return {
    name: 'demo',
    file: '/src/demo/devenv.yml',
    dir: '/src/demo',
    services: [
      {
        kind: 'postgres', name: 'db', dependsOn: [], image: 'postgres:15', version: '15', database: 'demo', user: 'postgres',
        password: 'secret', passwordGenerated: true, hostPort: 0, init: [], readyTimeoutMs: 60_000,
      },
      {
        kind: 'container', name: 'cache', dependsOn: [], image: 'redis:7', ports: [], env: {}, volumes: [],
        health: { type: 'none' }, restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000,
      },
      {
        kind: 'container', name: 'app', dependsOn: ['db', 'cache'], image: 'demo-app:devenv',
        build: { context: '/src/demo', dockerfile: 'Dockerfile', args: {} },
        ports: [{ hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' }],
        env: { DATABASE_URL: [{ service: 'db', field: 'url' }], NODE_ENV: ['development'] },
        volumes: [],
        health: { type: 'http', path: '/health', port: 3000, intervalMs: 100, timeoutMs: 60_000 },
        restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000,
      },
    ],
    migrations: [
      { kind: 'sql', name: 'schema', database: 'db', dir: '/src/demo/db/migrations' },
      { kind: 'run', name: 'seed', service: 'app', command: ['sh', '-c', 'npm run seed'] },
    ],
  };
}

export function emptyObserved(): ObservedState {
  return { containers: [], networks: [], volumes: [], images: [], localImages: {}, contextHashes: { app: 'ctx1' }, busyPorts: {} };
}

let seq = 0;
export function runningContainer(project: Project, service: string, state: ContainerState = 'running', contextHash?: string): ContainerSummary {
  const s = project.services.find((x) => x.name === service)!;
  const desired = desiredContainer(project, s, contextHash);
  seq += 1;
  return {
    id: `c${seq}`, name: desired.spec.name, image: s.image, state, status: state, ports: [], created: new Date(0),
    // The app runs the image its tag points at (sha256:1 in upObserved); pulled images are not compared.
    imageId: service === 'app' ? 'sha256:1' : '',
    labels: { ...desired.spec.labels, [LABELS.configHash]: desired.hash, [FIELDS_LABEL]: desired.spec.labels[FIELDS_LABEL]! },
  };
}

/** Everything of demoProject() present and running, as after a first `up`. */
export function upObserved(project: Project): ObservedState {
  return {
    containers: [runningContainer(project, 'db'), runningContainer(project, 'cache'), runningContainer(project, 'app', 'running', 'ctx1')],
    networks: [{ id: 'n1', name: 'demo-net', labels: { [LABELS.project]: 'demo' } }],
    volumes: [{ id: 'demo-db-data', name: 'demo-db-data', labels: { [LABELS.project]: 'demo' } }],
    images: [{ id: 'sha256:1', tags: ['demo-app:devenv'], labels: { [LABELS.project]: 'demo', [LABELS.service]: 'app', [LABELS.contextHash]: 'ctx1' } }],
    localImages: { 'postgres:15': true, 'redis:7': true },
    contextHashes: { app: 'ctx1' },
    busyPorts: {},
  };
}
