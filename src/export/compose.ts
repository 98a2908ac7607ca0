/**
 * devenv.yml → a Compose file (Compose Specification, within what docker-compose 1.29 accepts) for the
 * same stack: Postgres with its volume, credentials and a healthcheck; built and pulled services with
 * their env (references resolved for the network), ports on 127.0.0.1 and healthchecks; migrations as
 * one-shot services run in order, which the other services wait for (service_completed_successfully).
 * A `sql:` step becomes a psql container that applies the folder's files in order and records them in
 * devenv_migrations exactly as devenv does (same names, sha256 checksums), so both tools agree on what
 * ran. Pure: the caller writes the files.
 */
import { relative, resolve, sep } from 'node:path';
import { stringify } from 'yaml';
import { resolveEnv } from '../config/references.js';
import {
  referredServices, type ContainerService, type DependencyCondition, type HealthCheck, type Migration, type PostgresService, type Project, type RestartSpec, type Service, type Template,
} from '../config/project.js';
import { migrationNeeds } from '../engine/plan-select.js';
import { pushedImage } from './pushed-image.js';
import { passwordRefs, secretName } from './env-names.js';
import { SQL_APPLIER } from './sql-applier.js';
import { POSTGRES_PORT } from '../engine/postgres-port.js';

export type SecretsMode = 'env' | 'inline';

export interface ComposeExport {
  /** The Compose file as a plain object, to be written as YAML. */
  compose: Record<string, unknown>;
  /** KEY=value lines for the .env beside it (secrets mode env); empty when inline. */
  env: Record<string, string>;
  /** What could not be exported, and why (host processes). */
  skipped: string[];
}

/** outDir: the folder the Compose file goes to (bind mounts and build contexts are relative to it). */
/**
 * swarm: for `docker stack deploy`: no build (images come from a registry: `registry` as with
 * `devenv push --registry`), no depends_on (Swarm ignores it: services converge by restarting),
 * deploy sections, an attachable overlay network, no published ports (Swarm cannot bind them to
 * 127.0.0.1 alone), absolute bind paths, passwords inline (stack deploy reads no .env).
 */
export function exportCompose(project: Project, options: { secrets: SecretsMode; outDir: string; swarm?: { registry?: string } }): ComposeExport {
  const env: Record<string, string> = {};
  const skipped: string[] = [];
  const exported = new Set(project.services.filter((s) => s.kind !== 'process').map((s) => s.name));
  const dbs = new Map(project.services.filter((s): s is PostgresService => s.kind === 'postgres').map((s) => [s.name, s]));
  const path = (absolute: string) => {
    const rel = relative(options.outDir, absolute).split(sep).join('/');
    return rel === '' ? '.' : rel.startsWith('.') ? rel : `./${rel}`;
  };
  /** A generated password stays out of the file in env mode: the value goes to .env under `name`. */
  const secret = (name: string, value: string, generated: boolean) => {
    if (options.secrets === 'inline' || !generated) return escape(value);
    env[name] = value;
    return `\${${name}}`;
  };
  const renderEnv = (owner: string, templates: Record<string, Template>) => {
    const values = resolveEnv(project, { env: templates }, 'network');
    return Object.fromEntries(Object.entries(templates).map(([key, template]) => {
      const generated = passwordRefs(template).some((r) => dbs.get(r.service)?.passwordGenerated);
      return [key, secret(secretName(owner, key), values[key]!, generated)];
    }));
  };

  const services: Record<string, Record<string, unknown>> = {};
  const volumes: Record<string, Record<string, unknown>> = {};
  const migrationNames = new Map(project.migrations.map((m) => [m.name, uniqueName(`migrate-${m.name}`, exported)]));
  const exportedMigrations = project.migrations.filter((m) => m.kind !== 'process');
  const needed = migrationNeeds(project);
  for (const m of project.migrations.filter((x) => x.kind === 'process')) skipped.push(`migration ${m.name}: a process: step runs on the host, which a Compose file cannot describe; run \`${shown(m.command)}\` yourself once the stack is up${hostNeeds(m.env)}`);

  for (const s of project.services) {
    if (s.kind === 'process') {
      skipped.push(`service ${s.name}: a process: service runs on the host, which a Compose file cannot describe; run it yourself (\`${shown(s.command)}\`)${hostNeeds(s.env)}`);
      continue;
    }
    if (s.kind === 'postgres') {
      const volume = `${s.name}-data`;
      volumes[volume] = {};
      services[s.name] = compact({
        image: s.image,
        ...(s.command ? { command: (s.command[0]?.startsWith('-') ? ['postgres', ...s.command] : s.command).map(escape) } : {}),
        environment: {
          POSTGRES_USER: escape(s.user),
          POSTGRES_PASSWORD: secret(secretName(s.name, 'POSTGRES_PASSWORD'), s.password, s.passwordGenerated),
          POSTGRES_DB: escape(s.database),
        },
        ports: [`127.0.0.1:${s.hostPort === 0 ? '' : s.hostPort}:${POSTGRES_PORT}`],
        volumes: [`${volume}:/var/lib/postgresql/data`, ...s.init.map((file, i) => `${path(file)}:/docker-entrypoint-initdb.d/${String(i).padStart(3, '0')}-${file.split('/').pop()}:ro`)],
        // Over TCP: the image's first-start server listens only on its socket, so this is the final server.
        healthcheck: { test: ['CMD-SHELL', 'pg_isready -h 127.0.0.1 -U "$${POSTGRES_USER}" -d "$${POSTGRES_DB}"'], interval: '1s', timeout: '5s', retries: Math.max(1, Math.ceil(s.readyTimeoutMs / 1000)), start_period: '5s' },
        restart: restart(s.restart),
        stop_signal: 'SIGINT',
        stop_grace_period: `${Math.ceil(s.stopTimeoutMs / 1000)}s`,
        ...(s.aliases.length > 0 ? { networks: { default: { aliases: s.aliases } } } : {}),
        depends_on: dependsOn(s, project, exported, skipped),
      });
      continue;
    }
    // As under devenv: what the migrations need starts before them; everything else after them.
    const migrationsFirst = needed.has(s.name) ? {} : Object.fromEntries(exportedMigrations.map((m) => [migrationNames.get(m.name)!, { condition: 'service_completed_successfully' }]));
    services[s.name] = compact({
      ...image(s, project, path),
      ...(s.command ? { command: s.command.map(escape) } : {}),
      ...(s.workingDir ? { working_dir: s.workingDir } : {}),
      environment: renderEnv(s.name, s.env),
      ports: s.ports.map((p) => `127.0.0.1:${p.hostPort === 0 ? '' : p.hostPort}:${p.containerPort}${p.protocol === 'udp' ? '/udp' : ''}`),
      volumes: s.volumes.map((v) => {
        if (v.type === 'volume') volumes[v.source] = {};
        return `${v.type === 'bind' ? path(v.source) : v.source}:${v.target}${v.readOnly ? ':ro' : ''}`;
      }),
      healthcheck: healthcheck(s.health),
      restart: s.oneshot ? 'no' : restart(s.restart),
      init: true,
      stop_grace_period: `${Math.ceil(s.stopTimeoutMs / 1000)}s`,
      ...(s.aliases.length > 0 ? { networks: { default: { aliases: s.aliases } } } : {}),
      depends_on: { ...dependsOn(s, project, exported, skipped), ...migrationsFirst },
    });
  }

  let previous: string | undefined;
  for (const m of exportedMigrations) {
    const name = migrationNames.get(m.name)!;
    const needs: Record<string, { condition: string }> = {};
    if (previous) needs[previous] = { condition: 'service_completed_successfully' };
    if (m.kind === 'sql') {
      const db = dbs.get(m.database)!;
      needs[db.name] = { condition: 'service_healthy' };
      services[name] = {
        image: db.image,
        entrypoint: ['sh', '-c', escape(SQL_APPLIER)],
        environment: {
          PGHOST: db.name,
          PGPORT: String(POSTGRES_PORT),
          PGUSER: escape(db.user),
          PGPASSWORD: secret(secretName(name, 'PGPASSWORD'), db.password, db.passwordGenerated),
          PGDATABASE: escape(db.database),
          STEP: escape(m.name),
        },
        volumes: [`${path(m.dir)}:/migrations:ro`],
        restart: 'no',
        depends_on: needs,
      };
    } else {
      const runner = project.services.find((s): s is ContainerService => s.kind === 'container' && s.name === (m as Extract<Migration, { kind: 'run' }>).service)!;
      Object.assign(needs, dependsOn(runner, project, exported, skipped));
      services[name] = compact({
        ...image(runner, project, path),
        command: m.command.map(escape),
        ...(runner.workingDir ? { working_dir: runner.workingDir } : {}),
        environment: renderEnv(runner.name, runner.env),
        volumes: runner.volumes.map((v) => `${v.type === 'bind' ? path(v.source) : v.source}:${v.target}${v.readOnly ? ':ro' : ''}`),
        restart: 'no',
        init: true,
        depends_on: needs,
      });
    }
    previous = name;
  }

  return {
    compose: options.swarm ? toSwarm(project, services, volumes, new Set(migrationNames.values()), options.swarm.registry, options.outDir, skipped) : compact({ services, volumes }),
    env,
    skipped,
  };
}

function toSwarm(project: Project, services: Record<string, Record<string, unknown>>, volumes: Record<string, unknown>, migrations: Set<string>, registry: string | undefined, outDir: string, skipped: string[]): Record<string, unknown> {
  const oneshot = new Set(project.services.filter((s) => s.kind === 'container' && s.oneshot).map((s) => s.name));
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, svc] of Object.entries(services)) {
    const { build, depends_on: _deps, restart: _restart, ports, volumes: mounts, image: img, ...rest } = svc as Record<string, unknown> & { build?: unknown; ports?: string[]; volumes?: string[]; image: string };
    void _deps; void _restart;
    const finishes = migrations.has(name) || oneshot.has(name);
    if (ports && ports.length > 0) skipped.push(`${name}: its ports (${ports.join(', ')}): Swarm publishes on every address of the node, not 127.0.0.1 alone; add \`ports\` (mode: host) yourself where the node is private, or reach it from a container on the stack's network`);
    out[name] = compact({
      image: build ? pushedImage(img, registry) : img,
      ...rest,
      volumes: mounts?.map((m) => (m.startsWith('./') || m.startsWith('../') || m === '.' ? `${resolve(outDir, m.split(':')[0]!)}:${m.split(':').slice(1).join(':')}` : m)),
      // DNS round robin, no virtual IP: nothing is published through the routing mesh, and it works
      // where IPVS does not (some sandboxes and rootless engines answer "no route to host" on VIPs).
      deploy: { endpoint_mode: 'dnsrr', replicas: 1, restart_policy: { condition: finishes ? 'on-failure' : 'any', delay: '2s' } },
    });
    if (build && !registry) skipped.push(`${name}: its image ${img} is built by devenv; \`devenv push --registry R\` and \`export compose --swarm --registry R\` give every node a name to pull`);
  }
  return compact({ version: '3.8', services: out, volumes, networks: { default: { driver: 'overlay', attachable: true } } });
}

function image(s: ContainerService, project: Project, path: (p: string) => string): Record<string, unknown> {
  const source = s.build ? s : s.buildFrom ? project.services.find((x): x is ContainerService => x.kind === 'container' && x.name === s.buildFrom) : undefined;
  if (!source?.build) return { image: s.image };
  const b = source.build;
  return {
    image: source.image,
    build: compact({
      context: path(b.context),
      ...(b.dockerfile !== 'Dockerfile' ? { dockerfile: b.dockerfile } : {}),
      ...(b.target ? { target: b.target } : {}),
      ...(Object.keys(b.args).length > 0 ? { args: Object.fromEntries(Object.entries(b.args).map(([k, v]) => [k, escape(v)])) } : {}),
    }),
  };
}

function dependsOn(s: Service, project: Project, exported: Set<string>, skipped: string[]): Record<string, { condition: string }> {
  const out: Record<string, { condition: string }> = {};
  for (const d of s.dependsOn) {
    if (!exported.has(d.service)) {
      skipped.push(`${s.name} depends on ${d.service}, which runs on the host: that dependency is left out`);
      continue;
    }
    const target = project.services.find((x) => x.name === d.service)!;
    out[d.service] = { condition: condition(d.condition, target) };
  }
  return out;
}

function condition(c: DependencyCondition, target: Service): string {
  if (c === 'completed') return 'service_completed_successfully';
  if (c === 'started') return 'service_started';
  // Compose can wait for health only where there is a healthcheck.
  return target.kind === 'postgres' || (target.kind === 'container' && target.health.type !== 'none') ? 'service_healthy' : 'service_started';
}

function healthcheck(h: HealthCheck): Record<string, unknown> | undefined {
  if (h.type === 'none') return undefined;
  const timing = { interval: `${Math.max(1, Math.round(h.intervalMs / 1000))}s`, timeout: '5s', retries: Math.max(1, Math.ceil(h.timeoutMs / Math.max(1000, h.intervalMs))) };
  if (h.type === 'command') return { test: ['CMD', ...h.command.map(escape)], ...timing };
  // Whatever the image has: curl, wget, or node.
  const url = `http://127.0.0.1:${h.port}${h.type === 'http' ? h.path : ''}`;
  const test = h.type === 'http'
    ? `curl -fsS -o /dev/null ${quote(url)} 2>/dev/null || wget -q -O /dev/null ${quote(url)} 2>/dev/null || node -e ${quote(`require('http').get(${JSON.stringify(url)},(r)=>process.exit(r.statusCode<400?0:1)).on('error',()=>process.exit(1))`)}`
    : `nc -z 127.0.0.1 ${h.port} 2>/dev/null || node -e ${quote(`require('net').connect(${h.port},'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))`)}`;
  return { test: ['CMD-SHELL', escape(test)], ...timing };
}

function restart(r: RestartSpec): string {
  if (r.policy === 'on-failure') return r.maxRestarts > 0 ? `on-failure:${r.maxRestarts}` : 'on-failure';
  return r.policy;
}

/** Compose interpolates $VAR in every value: a literal $ is $$. */
function escape(value: string): string {
  return value.replaceAll('$', () => '$$');
}

function quote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let i = 2; taken.has(candidate); i += 1) candidate = `${name}-${i}`;
  taken.add(candidate);
  return candidate;
}

/** Drops empty lists, maps and undefined, so the file says only what matters. */
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0) && !(v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0))) as T;
}

export function toYaml(value: unknown): string {
  // YAML 1.1, as docker-compose (PyYAML) reads it: `no`, `on`, `yes` get quoted, not read as booleans.
  return stringify(value, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}

/** A host command as written in devenv.yml (`npm run dev`, not `sh -c npm run dev`). */
function shown(command: string[]): string {
  return command[0] === 'sh' && command[1] === '-c' && command.length === 3 ? command[2]! : command.join(' ');
}

/** What a host command needs from the exported stack to reach its database: the env names that refer to it, and where the port is. */
function hostNeeds(env: Record<string, Template>): string {
  const refs = Object.entries(env).filter(([, t]) => t.some((part) => typeof part !== 'string'));
  const dbs = referredServices(Object.fromEntries(refs));
  if (refs.length === 0) return '';
  return `, with ${refs.map(([k]) => k).join(', ')} set for ${dbs.join(', ')} on 127.0.0.1 at the port \`docker compose port ${dbs[0]} ${POSTGRES_PORT}\` prints (\`devenv env\` shows the same names for devenv's stack)`;
}
