import path from 'node:path';
import { normaliseDependsOn, normaliseRestart, normaliseStopTimeout } from './normalise-common.js';
import { normaliseEnv, type ContainerContext } from './normalise-container.js';
import { normaliseHealth } from './normalise-health.js';
import { parseHostPort } from './ports.js';
import { mismatch, type Problem } from './problems.js';
import type { PortMapping, ProcessService } from './project.js';
import type { ProcessServiceConfig } from './schema.js';

/** Restarts of a crashing host process before it is errored, when max_restarts is not set. */
export const DEFAULT_PROCESS_MAX_RESTARTS = 10;

/** A command on the host, every default filled. */
export function normaliseProcess(name: string, config: ProcessServiceConfig, context: ContainerContext, problems: Problem[]): ProcessService {
  const base = ['services', name];
  let port: number | undefined;
  if (config.port !== undefined) {
    const parsed = parseHostPort(config.port);
    if (parsed === undefined || parsed === 0) problems.push({ path: [...base, 'port'], message: mismatch('a port number 1-65535 (the port the process listens on)', config.port) });
    else port = parsed;
  }
  // The health check reads the port as it would a container's: here the host port is the port.
  const ports: PortMapping[] = port === undefined ? [] : [{ hostIp: '127.0.0.1', hostPort: port, containerPort: port, protocol: 'tcp' }];
  const oneshot = config.oneshot ?? false;
  const restart = normaliseRestart(config, base, problems);
  if (oneshot && restart.policy === 'always') {
    problems.push({ path: [...base, 'restart'], message: 'a oneshot service runs to completion; restart: always would run it forever', hint: 'use restart: on-failure to retry it, or drop oneshot' });
  }
  // A crash loop on the host ends in "errored" unless asked otherwise (containers: the engine's policy).
  if (restart.policy !== 'no' && config.max_restarts === undefined) restart.maxRestarts = DEFAULT_PROCESS_MAX_RESTARTS;
  const health = oneshot ? { type: 'none' as const } : normaliseHealth(config.health, ports, base, problems, true);
  return {
    kind: 'process',
    name,
    command: typeof config.process === 'string' ? ['sh', '-c', config.process] : config.process,
    cwd: path.resolve(context.dir, config.cwd ?? '.'),
    ...(port === undefined ? {} : { port }),
    env: normaliseEnv(base, config, context.envTemplates.get(name), context, problems),
    health,
    oneshot,
    dependsOn: normaliseDependsOn(config, base, problems),
    aliases: [],
    restart,
    stopTimeoutMs: normaliseStopTimeout(config, base, problems),
  };
}
