/**
 * Host ports left to the engine (`port: 0`, the Postgres default) are remembered in
 * .devenv/ports.json and asked for again the next time the container is created, while free.
 * So DATABASE_URL from `devenv env`, and a database GUI's saved connection, survive `down` and `up`.
 * The plan and the config hash see only the declared 0: which free port is picked is the executor's.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerSpec, PublishedPort } from '../runtime/runtime.js';
import { canBind } from './host-ports.js';

type Memory = Record<string, number>;

const file = (dir: string) => join(dir, '.devenv', 'ports.json');
const key = (project: string, service: string, containerPort: number, protocol: string) => `${project}/${service}/${containerPort}/${protocol}`;

function read(dir: string): Memory {
  try {
    const parsed = JSON.parse(readFileSync(file(dir), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Memory) : {};
  } catch {
    return {}; // None yet, or unreadable: ports are only a convenience.
  }
}

/** The spec with each `hostPort: 0` replaced by the port remembered for it, if that port is free now. */
export async function withRememberedPorts(spec: ContainerSpec, dir: string, project: string, service: string, fixed: Set<number>): Promise<ContainerSpec> {
  const memory = read(dir);
  const ports = await Promise.all(spec.ports.map(async (p) => {
    const remembered = p.hostPort === 0 ? memory[key(project, service, p.containerPort, p.protocol)] : undefined;
    // A hand-edited file, or a port another service of the project now declares, is not asked for.
    const usable = Number.isInteger(remembered) && remembered! > 0 && remembered! < 65536 && !fixed.has(remembered!);
    return usable && p.protocol === 'tcp' && (await canBind(remembered!)) ? { ...p, hostPort: remembered! } : p;
  }));
  return { ...spec, ports };
}

/** Records the host ports the engine picked for the ports declared as 0. Never throws. */
export function rememberPorts(dir: string, project: string, service: string, declared: ContainerSpec['ports'], published: PublishedPort[]): void {
  // One project per folder is the rule; entries of other names (e.g. test runs with -p) are dropped.
  const memory = Object.fromEntries(Object.entries(read(dir)).filter(([k]) => k.startsWith(`${project}/`)));
  let changed = Object.keys(memory).length !== Object.keys(read(dir)).length;
  for (const p of declared.filter((d) => d.hostPort === 0)) {
    const actual = published.find((x) => x.containerPort === p.containerPort && x.protocol === p.protocol && x.hostPort > 0);
    const k = key(project, service, p.containerPort, p.protocol);
    if (actual && memory[k] !== actual.hostPort) {
      memory[k] = actual.hostPort;
      changed = true;
    }
  }
  if (!changed) return;
  try {
    mkdirSync(join(dir, '.devenv'), { recursive: true });
    writeFileSync(file(dir), `${JSON.stringify(memory, null, 2)}\n`);
  } catch {
    // A read-only project folder just means ports are not remembered.
  }
}
