/**
 * The host process devenv wants for a `process:` service, and the hash that decides whether the
 * running one is kept: command, folder, environment (references resolved for the host), port,
 * restart policy. devenv's own environment (PATH, HOME, …) is passed on but not hashed.
 */
import type { ProcessService, Project } from '../config/project.js';
import { resolveEnv } from '../config/references.js';
import { logFile } from '../supervisor/protocol.js';
import type { ProcessSpec } from '../supervisor/managed-process.js';
import { hostDatabaseDefaults } from './host-env.js';
import { hashFields, shortHash } from './service-spec.js';

export interface DesiredProcess {
  service: string;
  spec: ProcessSpec;
  hash: string;
  fields: Record<string, string>;
}

/** hostPorts: each database's host port, for ${db.url} and friends. */
export function desiredProcess(project: Project, service: ProcessService, hostPorts: Record<string, number>, inherited: NodeJS.ProcessEnv = process.env): DesiredProcess {
  const env = resolveEnv(project, service, 'host', hostPorts);
  const fields: Record<string, string> = {
    command: shortHash(service.command),
    cwd: shortHash(service.cwd),
    port: shortHash(service.port ?? null),
    restart: shortHash(service.restart),
    stop_timeout: shortHash(service.stopTimeoutMs),
    oneshot: shortHash(service.oneshot),
  };
  for (const [key, value] of Object.entries(env)) fields[`env.${key}`] = shortHash(value);
  const { hash, sorted } = hashFields(fields);
  const base = Object.fromEntries(Object.entries(inherited).filter((e): e is [string, string] => e[1] !== undefined));
  return {
    service: service.name,
    hash,
    fields,
    spec: {
      service: service.name,
      command: service.command,
      cwd: service.cwd,
      // PG* are not hashed: they follow from the references, which are.
      env: { ...base, ...hostDatabaseDefaults(project, service.env, hostPorts), ...env },
      restart: service.restart,
      stopTimeoutMs: service.stopTimeoutMs,
      logFile: logFile(project.dir, service.name),
      configHash: hash,
      configFields: sorted,
      oneshot: service.oneshot,
      health: service.health,
    },
  };
}
