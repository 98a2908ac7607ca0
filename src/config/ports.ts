import { mismatch } from './problems.js';
import type { PortMapping } from './project.js';

export type PortResult = { ok: true; mapping: PortMapping } | { ok: false; message: string; hint?: string };

const LOOPBACK = new Set(['127.0.0.1', 'localhost']);
const MAPPING_EXPECTED = 'a port such as 3000, "8080:80", "127.0.0.1:8080:80" or "53/udp"';

function number(text: string, min: number): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= 65535 ? n : undefined;
}

/** Parses `3000`, `"3000"`, `"8080:80"`, `"127.0.0.1:8080:80"`, `"0:80"`, `"53/udp"`. */
export function parsePortSpec(spec: number | string): PortResult {
  const single = (port: number): PortResult => ({
    ok: true,
    mapping: { hostIp: '127.0.0.1', hostPort: port, containerPort: port, protocol: 'tcp' },
  });
  if (typeof spec === 'number') {
    return Number.isInteger(spec) && spec >= 1 && spec <= 65535 ? single(spec) : { ok: false, message: mismatch('a port number 1-65535', spec) };
  }
  const text = spec.trim();
  const slash = text.lastIndexOf('/');
  const protocol = slash === -1 ? 'tcp' : text.slice(slash + 1);
  if (protocol !== 'tcp' && protocol !== 'udp') return { ok: false, message: mismatch(`${MAPPING_EXPECTED} (protocol tcp or udp)`, spec) };
  const parts = (slash === -1 ? text : text.slice(0, slash)).split(':');
  if (parts.length === 1) {
    const port = number(parts[0] ?? '', 1);
    if (port === undefined) return { ok: false, message: mismatch('a port number 1-65535', spec) };
    return { ok: true, mapping: { hostIp: '127.0.0.1', hostPort: port, containerPort: port, protocol } };
  }
  if (parts.length > 3) return { ok: false, message: mismatch(MAPPING_EXPECTED, spec) };
  const [ip, host, container] = parts.length === 3 ? parts : [undefined, parts[0], parts[1]];
  if (ip !== undefined && !LOOPBACK.has(ip)) {
    return {
      ok: false,
      message: mismatch('host IP 127.0.0.1 or localhost', spec),
      hint: `devenv publishes ports on 127.0.0.1 only: write "${host}:${container}" or "127.0.0.1:${host}:${container}"`,
    };
  }
  const hostPort = host === '' ? 0 : number(host ?? '', 0);
  const containerPort = number(container ?? '', 1);
  if (hostPort === undefined || containerPort === undefined) return { ok: false, message: mismatch(MAPPING_EXPECTED, spec) };
  return { ok: true, mapping: { hostIp: '127.0.0.1', hostPort, containerPort, protocol } };
}

/** A Postgres host port: 0-65535, 0 meaning any free port. */
export function parseHostPort(spec: number | string): number | undefined {
  if (typeof spec === 'number') return Number.isInteger(spec) && spec >= 0 && spec <= 65535 ? spec : undefined;
  return number(spec.trim(), 0);
}
