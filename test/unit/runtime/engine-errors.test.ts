import { describe, expect, it } from 'vitest';
import { engineMessage, isUnreachable, portInUseAddress, toDevenvError } from '../../../src/runtime/engine-errors.js';

const httpError = (status: number, message: string, json: unknown) =>
  Object.assign(new Error(`(HTTP code ${status}) unexpected - ${message} `), { statusCode: status, json });

describe('engine errors', () => {
  it('reads the engine message from json or from the modem message', () => {
    expect(engineMessage(httpError(404, 'No such container: x', { message: 'No such container: x' }))).toBe('No such container: x');
    expect(engineMessage(httpError(500, 'pull access denied', null))).toBe('pull access denied');
    expect(engineMessage(new Error('plain'))).toBe('plain');
  });

  it('tells a failed connect from a missing file', () => {
    expect(isUnreachable(Object.assign(new Error('connect ENOENT /x.sock'), { code: 'ENOENT', syscall: 'connect' }))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect' }))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('open'), { code: 'ENOENT', syscall: 'open' }))).toBe(false);
    expect(isUnreachable(httpError(500, 'x', null))).toBe(false);
  });

  it('maps to ENGINE_UNAVAILABLE or ENGINE_ERROR, keeping the cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(toDevenvError(refused, 'tcp://127.0.0.1:2375', 'listing')).toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: 'no Docker engine answered at tcp://127.0.0.1:2375 (ECONNREFUSED)',
    });
    const conflict = httpError(409, 'Conflict', { message: 'network x has active endpoints' });
    const mapped = toDevenvError(conflict, 'unix:///var/run/docker.sock', 'removing network x');
    expect(mapped).toMatchObject({ code: 'ENGINE_ERROR', message: 'removing network x: network x has active endpoints (HTTP 409)' });
    expect(mapped.cause).toBe(conflict);
  });

  it('finds the host address in port conflicts', () => {
    expect(portInUseAddress('driver failed programming external connectivity on endpoint web (abc): Bind for 127.0.0.1:5432 failed: port is already allocated')).toBe('127.0.0.1:5432');
    expect(portInUseAddress('driver failed programming external connectivity on endpoint web (abc): Error starting userland proxy: listen tcp4 127.0.0.1:3000: bind: address already in use')).toBe('127.0.0.1:3000');
    expect(portInUseAddress('Ports are not available: exposing port TCP 127.0.0.1:8080 -> 0.0.0.0:0: listen tcp 127.0.0.1:8080: bind: Only one usage of each socket address is normally permitted. port is already in use')).toBe('127.0.0.1:8080');
    expect(portInUseAddress('Bind for [::1]:80 failed: port is already allocated')).toBe('[::1]:80');
    expect(portInUseAddress('No such image: foo')).toBeUndefined();
  });
});
