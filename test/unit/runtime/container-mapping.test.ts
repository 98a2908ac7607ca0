import { describe, expect, it } from 'vitest';
import { toCreateOptions } from '../../../src/runtime/container-mapping.js';

describe('toCreateOptions', () => {
  it('maps a spec to the Engine API create body', () => {
    const options = toCreateOptions({
      name: 'shop-app',
      image: 'shop-app:dev',
      command: ['npm', 'start'],
      env: { PORT: '3000', DATABASE_URL: 'postgres://db/app' },
      labels: { 'dev.devenv.project': 'shop' },
      network: { name: 'shop', aliases: ['app'] },
      ports: [
        { hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' },
        { hostIp: '127.0.0.1', hostPort: 0, containerPort: 9229, protocol: 'tcp' },
      ],
      mounts: [
        { type: 'bind', source: '/src/shop', target: '/app', readOnly: false },
        { type: 'volume', source: 'shop-data', target: '/data', readOnly: true },
      ],
      restart: { policy: 'on-failure', maxRestarts: 3 },
      init: true,
      workingDir: '/app',
    });
    // The name goes in the query string (?name=), not in the body.
    expect(options).toEqual({
      Image: 'shop-app:dev',
      Cmd: ['npm', 'start'],
      WorkingDir: '/app',
      Env: ['PORT=3000', 'DATABASE_URL=postgres://db/app'],
      Labels: { 'dev.devenv.project': 'shop' },
      ExposedPorts: { '3000/tcp': {}, '9229/tcp': {} },
      Tty: false,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: false,
      StdinOnce: false,
      HostConfig: {
        PortBindings: { '3000/tcp': [{ HostIp: '127.0.0.1', HostPort: '3000' }], '9229/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
        Mounts: [
          { Type: 'bind', Source: '/src/shop', Target: '/app', ReadOnly: false },
          { Type: 'volume', Source: 'shop-data', Target: '/data', ReadOnly: true },
        ],
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
        Init: true,
        NetworkMode: 'shop',
      },
      NetworkingConfig: { EndpointsConfig: { shop: { Aliases: ['app'] } } },
    });
  });

  it('shares a running container\'s network namespace with no endpoint of its own', () => {
    const base = { name: 'x', image: 'busybox', env: {}, labels: {}, ports: [], mounts: [], init: false, restart: { policy: 'no' as const, maxRestarts: 0 } };
    const options = toCreateOptions({ ...base, network: { container: 'c0ffee' } });
    expect(options.HostConfig?.NetworkMode).toBe('container:c0ffee');
    expect(options.NetworkingConfig).toBeUndefined();
  });

  it('sends no retry count with other restart policies', () => {
    const base = { name: 'x', image: 'busybox', env: {}, labels: {}, ports: [], mounts: [], init: false };
    expect(toCreateOptions({ ...base, restart: { policy: 'always', maxRestarts: 5 } }).HostConfig?.RestartPolicy).toEqual({ Name: 'always', MaximumRetryCount: 0 });
    expect(toCreateOptions({ ...base, restart: { policy: 'no', maxRestarts: 0 } }).HostConfig?.RestartPolicy).toEqual({ Name: '', MaximumRetryCount: 0 });
  });
});
