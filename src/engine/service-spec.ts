/**
 * The container devenv wants for each service, and the hashes that decide reuse.
 * Pure: the same project and context hash always give the same spec and hash.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { ContainerService, PostgresService, Project, Service } from '../config/project.js';
import { resolveEnv } from '../config/references.js';
import type { ContainerSpec, NetworkEndpoint } from '../runtime/runtime.js';
import { devenvVersion } from '../version.js';
import { containerName, dataVolumeName, networkName } from './names.js';
import { LABELS, serviceLabels } from './labels.js';
import { POSTGRES_PORT } from './postgres-port.js';

/** A service's container always joins the project network (only one-offs share another container's). */
type ServiceContainerSpec = ContainerSpec & { network?: NetworkEndpoint };

export interface DesiredContainer {
  service: string;
  spec: ServiceContainerSpec;
  /** Hash of all fields: equal hashes mean the running container can be reused. */
  hash: string;
  /** Field name ("image", "command", "env.NODE_ENV", "ports", …) → short hash of its value. */
  fields: Record<string, string>;
}

export const shortHash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);

/** One hash over named field hashes, and the "name:hash,…" list a changed resource is compared with. */
export function hashFields(fields: Record<string, string>): { hash: string; sorted: string } {
  const sorted = Object.keys(fields).sort().map((k) => `${k}:${fields[k]}`).join(',');
  return { hash: createHash('sha256').update(sorted).digest('hex').slice(0, 16), sorted };
}

export function desiredContainer(project: Project, service: PostgresService | ContainerService): DesiredContainer {
  const spec = service.kind === 'postgres' ? postgresSpec(project, service) : containerSpec(project, service);
  const fields: Record<string, string> = {
    // The tag only: whether a rebuild changed the image is the image ID's to say (decideContainer).
    // (The null keeps the hash containers got when the build context's hash was part of it.)
    image: shortHash([spec.image, null]),
    command: shortHash(spec.command ?? null),
    ports: shortHash(spec.ports),
    volumes: shortHash(spec.mounts),
    restart: shortHash(spec.restart),
  };
  if (spec.stopTimeoutSeconds !== undefined && spec.stopTimeoutSeconds !== 10) fields.stop_timeout = shortHash(spec.stopTimeoutSeconds);
  // Fields added since the first release only count when set, so existing containers stay reusable.
  const aliases = spec.network?.aliases.slice(1) ?? [];
  if (aliases.length > 0) fields.aliases = shortHash(aliases);
  if (service.kind === 'container' && service.oneshot) fields.oneshot = shortHash(true);
  if (spec.workingDir) fields.working_dir = shortHash(spec.workingDir);
  for (const [key, value] of Object.entries(spec.env)) fields[`env.${key}`] = shortHash(value);
  const { hash, sorted } = hashFields(fields);
  spec.labels = {
    ...spec.labels,
    [LABELS.configHash]: hash,
    [LABELS.configFields]: sorted,
    [LABELS.configFile]: project.file,
    [LABELS.kind]: service.kind,
    [LABELS.version]: devenvVersion(),
    ...(service.kind === 'container' && service.health.type !== 'none' ? { [LABELS.health]: JSON.stringify(service.health) } : {}),
    ...(service.kind === 'container' && service.oneshot ? { [LABELS.oneshot]: 'true' } : {}),
  };
  return { service: service.name, spec, hash, fields };
}

/** Which fields differ between a container's fields label and the desired fields, e.g. ["env.NODE_ENV", "image"]. */
export function changedFields(label: string | undefined, desired: Record<string, string>): string[] {
  const old = new Map((label ?? '').split(',').filter(Boolean).map((pair) => {
    const at = pair.lastIndexOf(':');
    return [pair.slice(0, at), pair.slice(at + 1)] as const;
  }));
  const keys = new Set([...old.keys(), ...Object.keys(desired)]);
  return [...keys].filter((k) => old.get(k) !== desired[k]).sort();
}

function postgresSpec(project: Project, pg: PostgresService): ServiceContainerSpec {
  return {
    name: containerName(project.name, pg.name),
    image: pg.image,
    // Flags alone (["-c", "fsync=off"]) go to the server, as with `docker run postgres -c …`.
    ...(pg.command ? { command: pg.command[0]?.startsWith('-') ? ['postgres', ...pg.command] : pg.command } : {}),
    env: { POSTGRES_USER: pg.user, POSTGRES_PASSWORD: pg.password, POSTGRES_DB: pg.database },
    labels: serviceLabels(project.name, pg.name, 'service'),
    network: { name: networkName(project.name), aliases: [pg.name, ...pg.aliases] },
    ports: [{ hostIp: '127.0.0.1', hostPort: pg.hostPort, containerPort: POSTGRES_PORT, protocol: 'tcp' }],
    mounts: [
      { type: 'volume', source: dataVolumeName(project.name, pg.name), target: '/var/lib/postgresql/data', readOnly: false },
      // Numbered so the image runs them in the order devenv.yml lists them.
      ...pg.init.map((file, i) => ({
        type: 'bind' as const,
        source: file,
        target: `/docker-entrypoint-initdb.d/${String(i).padStart(3, '0')}-${basename(file)}`,
        readOnly: true,
      })),
    ],
    restart: { ...pg.restart },
    // The image's own entrypoint handles SIGINT (its STOPSIGNAL); an init process adds nothing.
    init: false,
    stopTimeoutSeconds: Math.ceil(pg.stopTimeoutMs / 1000),
  };
}

function containerSpec(project: Project, svc: ContainerService): ServiceContainerSpec {
  return {
    name: containerName(project.name, svc.name),
    image: svc.image,
    command: svc.command,
    ...(svc.workingDir ? { workingDir: svc.workingDir } : {}),
    env: resolveEnv(project, svc, 'network'),
    labels: serviceLabels(project.name, svc.name, 'service'),
    network: { name: networkName(project.name), aliases: [svc.name, ...svc.aliases] },
    ports: svc.ports.map((p) => ({ ...p })),
    mounts: svc.volumes.map((v) => ({ ...v })),
    restart: { ...svc.restart },
    // So SIGTERM reaches a node server that does not handle being PID 1, and `down` is quick.
    init: true,
    stopTimeoutSeconds: Math.ceil(svc.stopTimeoutMs / 1000),
  };
}

/** Named volumes a project needs: one data volume per Postgres service, plus `name:/path` volumes. */
export function desiredVolumes(project: Project): string[] {
  const names = new Set<string>();
  for (const s of project.services) {
    if (s.kind === 'postgres') names.add(dataVolumeName(project.name, s.name));
    else if (s.kind === 'container') for (const v of s.volumes) if (v.type === 'volume') names.add(v.source);
  }
  return [...names];
}
