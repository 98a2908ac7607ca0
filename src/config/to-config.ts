/**
 * The normalised project written back as devenv.yml, every default filled in: what `devenv config`
 * prints. It round-trips: loading the output beside the original gives the same project (paths are
 * relative to devenv.yml's folder, every "$" is written "$$" so nothing is interpolated twice).
 * Generated passwords are left out (they come from .devenv/secrets.json again); others are masked
 * unless asked.
 */
import path from 'node:path';
import type { HealthCheck, Migration, PortMapping, Project, Service, Template, VolumeMount } from './project.js';

export interface ToConfigOptions {
  showSecrets: boolean;
}

const CONDITION_NAMES = { started: 'service_started', healthy: 'service_healthy', completed: 'service_completed_successfully' } as const;

/** Literal text for a devenv.yml string: "$" doubled. */
const literal = (text: string) => text.replaceAll('$', () => '$$');

export function projectToConfig(project: Project, options: ToConfigOptions): Record<string, unknown> {
  const rel = (absolute: string) => {
    const relative = path.relative(project.dir, absolute).split(path.sep).join('/');
    return literal(relative === '' ? '.' : relative.startsWith('..') ? relative : `./${relative}`);
  };
  return {
    version: 1,
    name: project.name,
    services: Object.fromEntries(project.services.map((s) => [s.name, service(s, project, rel, options)])),
    migrations: project.migrations.map((m) => migration(m, rel)),
  };
}

function service(s: Service, project: Project, rel: (p: string) => string, options: ToConfigOptions): Record<string, unknown> {
  const common = {
    depends_on: Object.fromEntries(s.dependsOn.map((d) => [d.service, { condition: CONDITION_NAMES[d.condition] }])),
    aliases: s.aliases,
    restart: s.restart.policy,
    ...(s.restart.policy === 'on-failure' ? { max_restarts: s.restart.maxRestarts } : {}),
    stop_timeout: duration(s.stopTimeoutMs),
  };
  if (s.kind === 'postgres') {
    return {
      postgres: {
        version: s.version,
        image: literal(s.image),
        database: literal(s.database),
        user: literal(s.user),
        // A generated password is read from .devenv/secrets.json again; writing it out would leak it. One
        // taken from variables is written as it was: the variables give it again, and it shows no secret.
        ...(s.passwordSource !== undefined ? { password: s.passwordSource }
          : s.passwordGenerated ? {}
            : { password: options.showSecrets ? literal(s.password) : '****' }),
        port: s.hostPort,
        init: s.init.map(rel),
      },
      health: { timeout: duration(s.readyTimeoutMs) },
      ...(s.command ? { command: s.command.map(literal) } : {}),
      ...common,
    };
  }
  if (s.kind === 'process') {
    return {
      process: s.command.map(literal),
      cwd: rel(s.cwd),
      ...(s.port === undefined ? {} : { port: s.port }),
      env: mapValues(s.env, template),
      ...(s.health.type === 'none' ? {} : { health: health(s.health) }),
      oneshot: s.oneshot,
      ...common,
      // Host processes are not on the project network.
      aliases: undefined,
    };
  }
  return {
    ...(s.build
      ? { build: { context: rel(s.build.context), dockerfile: literal(s.build.dockerfile), ...(s.build.target ? { target: literal(s.build.target) } : {}), args: mapValues(s.build.args, literal) } }
      : {}),
    image: s.buildFrom ? `\${${s.buildFrom}.image}` : literal(s.image),
    ...(s.command ? { command: s.command.map(literal) } : {}),
    ports: s.ports.map(port),
    env: mapValues(s.env, template),
    ...(s.health.type === 'none' ? {} : { health: health(s.health) }),
    oneshot: s.oneshot,
    volumes: s.volumes.map((v) => volume(v, project, rel)),
    ...common,
  };
}

function migration(m: Migration, rel: (p: string) => string): Record<string, unknown> {
  const common = { when: m.when, ...(m.kind !== 'sql' && m.database ? { database: m.database } : {}) };
  if (m.kind === 'sql') return { name: m.name, sql: rel(m.dir), database: m.database, when: m.when };
  if (m.kind === 'run') return { name: m.name, run: m.command.map(literal), service: m.service, ...common };
  return { name: m.name, process: m.command.map(literal), cwd: rel(m.cwd), env: mapValues(m.env, template), ...common };
}

/** A template with its references written back as ${svc.field}. */
function template(t: Template): string {
  return t.map((part) => (typeof part === 'string' ? literal(part) : `\${${part.service}.${part.field}}`)).join('');
}

function health(h: Exclude<HealthCheck, { type: 'none' }>): Record<string, unknown> {
  const timing = { interval: duration(h.intervalMs), timeout: duration(h.timeoutMs) };
  if (h.type === 'http') return { http: literal(h.path), port: h.port, ...timing };
  if (h.type === 'tcp') return { tcp: h.port, ...timing };
  return { command: h.command.map(literal), ...timing };
}

function port(p: PortMapping): string {
  return `${p.hostIp}:${p.hostPort}:${p.containerPort}${p.protocol === 'udp' ? '/udp' : ''}`;
}

function volume(v: VolumeMount, project: Project, rel: (p: string) => string): string {
  const source = v.type === 'bind' ? rel(v.source) : v.source.slice(project.name.length + 1);
  return `${source}:${v.target}${v.readOnly ? ':ro' : ''}`;
}

/** 60000 → "60s", 1500 → "1500ms". */
function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}
