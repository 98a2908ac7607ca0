import { parseDuration } from './durations.js';
import { mismatch, type Path, type Problem } from './problems.js';
import type { HealthCheck, PortMapping } from './project.js';
import type { ContainerServiceConfig } from './schema.js';

export const DEFAULT_INTERVAL_MS = 100;
export const DEFAULT_HEALTH_TIMEOUT_MS = 60_000;

type HealthConfig = NonNullable<ContainerServiceConfig['health']>;

function duration(value: number | string | undefined, fallback: number, path: Path, problems: Problem[]): number {
  if (value === undefined) return fallback;
  const parsed = parseDuration(value);
  if ('ms' in parsed) return parsed.ms;
  problems.push({ path, message: parsed.error });
  return fallback;
}

function port(value: number | string, path: Path, problems: Problem[]): number | undefined {
  const text = String(value).trim();
  const n = typeof value === 'number' ? value : /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isInteger(n) && n >= 1 && n <= 65535) return n;
  problems.push({ path, message: mismatch('a port number 1-65535', value) });
  return undefined;
}

/** The service's health check: the configured one, else tcp on the first port, else none. */
/**
 * onHost: a host process's check, which reaches any port of the host directly; a container's reaches
 * only what it publishes.
 */
export function normaliseHealth(health: HealthConfig | undefined, ports: PortMapping[], base: Path, problems: Problem[], onHost = false): HealthCheck {
  const firstTcp = ports.find((p) => p.protocol === 'tcp');
  if (health === undefined) {
    if (firstTcp === undefined) return { type: 'none' };
    return { type: 'tcp', port: firstTcp.containerPort, intervalMs: DEFAULT_INTERVAL_MS, timeoutMs: DEFAULT_HEALTH_TIMEOUT_MS };
  }
  const path = [...base, 'health'];
  const intervalMs = duration(health.interval, DEFAULT_INTERVAL_MS, [...path, 'interval'], problems);
  const timeoutMs = duration(health.timeout, DEFAULT_HEALTH_TIMEOUT_MS, [...path, 'timeout'], problems);
  const kinds = (['http', 'tcp', 'command'] as const).filter((kind) => health[kind] !== undefined);
  if (kinds.length !== 1) {
    const message = kinds.length === 0 ? 'a health check needs one of http, tcp or command' : `a health check has one of http, tcp or command, not ${kinds.join(' and ')}`;
    problems.push({ path, message });
    return { type: 'none' };
  }
  if (health.port !== undefined && health.http === undefined) {
    problems.push({ path: [...path, 'port'], at: 'key', message: 'port applies to an http check only; a tcp check names its port: { tcp: 3000 }' });
  }
  const published = (p: number, where: Path): void => {
    if (!onHost && !ports.some((m) => m.containerPort === p && m.protocol === 'tcp')) {
      problems.push({ path: where, message: `port ${p} is not published; the check runs from the host, so add it to port/ports` });
    }
  };
  if (health.http !== undefined) {
    if (!health.http.startsWith('/')) problems.push({ path: [...path, 'http'], message: `expected a path starting with "/", got ${JSON.stringify(health.http)}` });
    const checkPort = health.port === undefined ? firstTcp?.containerPort : port(health.port, [...path, 'port'], problems);
    if (checkPort === undefined) {
      if (health.port === undefined) problems.push({ path: [...path, 'http'], message: onHost ? 'an http health check needs a port: set port (where the process listens) or health.port' : 'an http health check needs a port: publish one with port/ports or set health.port' });
      return { type: 'none' };
    }
    if (health.port !== undefined) published(checkPort, [...path, 'port']);
    return { type: 'http', path: health.http, port: checkPort, intervalMs, timeoutMs };
  }
  if (health.tcp !== undefined) {
    const checkPort = port(health.tcp, [...path, 'tcp'], problems);
    if (checkPort === undefined) return { type: 'none' };
    published(checkPort, [...path, 'tcp']);
    return { type: 'tcp', port: checkPort, intervalMs, timeoutMs };
  }
  const command = typeof health.command === 'string' ? ['sh', '-c', health.command] : (health.command ?? []);
  return { type: 'command', command, intervalMs, timeoutMs };
}
