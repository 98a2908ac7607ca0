/**
 * Host ports left to devenv (`port: 0`, the Postgres default) are chosen before the plan: the port
 * remembered in .devenv/ports.json while it is free, else a free one the system hands out. The
 * container is created with that concrete port, so a restart keeps it, and the plan shows it. So
 * DATABASE_URL from `devenv env`, and a database GUI's saved connection, survive `down` and `up`.
 * The config hash sees only the declared 0: which free port is used is not a config change.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Project } from '../config/project.js';
import type { ContainerSpec, PublishedPort } from '../runtime/runtime.js';
import { devenvDir, ensureDevenvDir, readJsonFile, writeFileAtomic } from '../util/devenv-dir.js';
import { canBind, declaredHostPorts } from './host-ports.js';

type Memory = Record<string, number>;

/** A chosen host port for a declared 0, by portKey(service, containerPort, protocol). */
export type PortChoices = Record<string, { hostPort: number; remembered: boolean }>;

const file = (dir: string) => path.join(devenvDir(dir), 'ports.json');
const key = (project: string, service: string, containerPort: number, protocol: string) => `${project}/${service}/${containerPort}/${protocol}`;
export const portKey = (service: string, containerPort: number, protocol: string) => `${service}/${containerPort}/${protocol}`;

function read(dir: string): Memory {
  const parsed = readJsonFile(file(dir));
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Memory) : {};
}

/**
 * For every tcp port a service declares as 0: the port its current container holds (it goes before
 * the new one starts), else the remembered port if it is free now, else a free one.
 */
export async function choosePorts(project: Project, held: Record<string, number> = {}): Promise<PortChoices> {
  const memory = read(project.dir);
  const declared = project.services.flatMap((s) => declaredHostPorts(s).map((p) => ({ service: s.name, ...p })));
  const fixed = new Set(declared.map((p) => p.hostPort).filter((p) => p > 0));
  const taken = new Set<number>(fixed);
  const choices: PortChoices = {};
  for (const p of declared.filter((d) => d.hostPort === 0 && d.protocol === 'tcp')) {
    const own = held[portKey(p.service, p.containerPort, p.protocol)];
    const remembered = own ?? memory[key(project.name, p.service, p.containerPort, p.protocol)];
    // A hand-edited file, or a port another service of the project now declares, is not asked for.
    const usable = Number.isInteger(remembered) && remembered! > 0 && remembered! < 65536 && !taken.has(remembered!) && (own !== undefined || (await canBind(remembered!)));
    const hostPort = usable ? remembered! : await freePort(taken, key(project.name, p.service, p.containerPort, p.protocol));
    if (hostPort === undefined) continue; // the engine picks one
    taken.add(hostPort);
    choices[portKey(p.service, p.containerPort, p.protocol)] = { hostPort, remembered: usable };
  }
  return choices;
}

/** The spec with its declared 0 ports replaced by the chosen ones. */
export function withChosenPorts<S extends ContainerSpec>(spec: S, service: string, choices: PortChoices): S {
  return {
    ...spec,
    ports: spec.ports.map((p) => (p.hostPort === 0 ? { ...p, hostPort: choices[portKey(service, p.containerPort, p.protocol)]?.hostPort ?? 0 } : p)),
  };
}

/** Where a project's free ports are looked for first: above the usual servers, below the engine's own range. */
const STABLE_FROM = 40_000;
const STABLE_SPAN = 10_000;

/**
 * A port free now, not among `taken`: the first free one from a spot derived from `seed`, so that
 * `up --plan` and the `up` after it choose the same port; else one the system hands out.
 */
async function freePort(taken: Set<number>, seed: string): Promise<number | undefined> {
  const start = STABLE_FROM + (parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 8), 16) % STABLE_SPAN);
  for (let port = start; port < start + 50; port++) {
    if (!taken.has(port) && (await canBind(port))) return port;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await new Promise<number | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
      });
    });
    if (port !== undefined && !taken.has(port)) return port;
  }
  return undefined;
}

/** Records the host ports used for the ports declared as 0. Never throws. */
export function rememberPorts(dir: string, project: string, service: string, declared: ContainerSpec['ports'], published: PublishedPort[]): void {
  // Entries of every project name are kept: `-p` runs several projects from one folder.
  const memory = read(dir);
  let changed = false;
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
    ensureDevenvDir(dir);
    writeFileAtomic(file(dir), `${JSON.stringify(memory, null, 2)}\n`);
  } catch {
    // A read-only project folder just means ports are not remembered.
  }
}
