/**
 * devenv.yml → Kubernetes manifests for the same stack. Each Postgres service is a StatefulSet with
 * a PersistentVolumeClaim, a Service of the same name (so `db:5432` still resolves) and its password
 * in the project's Secret. Each container service is a Deployment (a Job when one-shot) with probes
 * from `health`, resource requests and a Service for its ports.
 *
 * Migrations are initContainers of every Deployment that waits for them, in order, after a
 * container that waits for each database: Kubernetes runs initContainers one after another and
 * starts the app only when all exited 0, which is devenv's order. They run again whenever such a pod
 * starts, which is safe because every step skips what it applied (a `sql:` step by its
 * devenv_migrations rows, a `run:` tool by its own table); two pods starting at once may race on a
 * file, and the loser's init container fails and is retried, then skips it. Jobs were the other
 * choice: Kubernetes cannot order Jobs, nor make a Deployment wait for one, without extra tooling.
 * Pure: files are read through `read`.
 */
import type { ContainerService, HealthCheck, Migration, PostgresService, Project, ServiceRef } from '../config/project.js';
import { connectionValues, renderTemplate } from '../config/references.js';
import { migrationNeeds } from '../engine/plan-select.js';
import { POSTGRES_PORT } from '../engine/postgres-port.js';
import { passwordRefs, secretName } from './env-names.js';
import { SQL_APPLIER } from './sql-applier.js';

export interface KubernetesExport {
  objects: Record<string, unknown>[];
  skipped: string[];
}

type Obj = Record<string, unknown>;

/** A DNS-1123 name: devenv's names may hold "_", Kubernetes' may not. */
export function k8sName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'x';
}

/** read: a file's text; list: a folder's file names; storage: each volume's size (default 1Gi). */
export function exportKubernetes(project: Project, options: { read: (file: string) => string; list: (dir: string) => string[]; storage?: string }): KubernetesExport {
  const skipped: string[] = [];
  const objects: Obj[] = [];
  const secretObjectName = k8sName(`${project.name}-secrets`);
  const secret: Record<string, string> = {};
  const labels = (service: string, component: string) => ({
    'app.kubernetes.io/name': k8sName(service),
    'app.kubernetes.io/instance': k8sName(project.name),
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': k8sName(project.name),
    'app.kubernetes.io/managed-by': 'devenv',
  });
  const selector = (service: string) => ({ 'app.kubernetes.io/name': k8sName(service), 'app.kubernetes.io/instance': k8sName(project.name) });
  const meta = (name: string, service: string, component: string) => ({ name: k8sName(name), labels: labels(service, component) });
  const dbs = new Map(project.services.filter((s): s is PostgresService => s.kind === 'postgres').map((s) => [s.name, s]));
  const fromSecret = (key: string, value: string) => {
    secret[key] = value;
    return { valueFrom: { secretKeyRef: { name: secretObjectName, key } } };
  };
  /** A service's env for a pod: values that hold a password come from the Secret. */
  const env = (owner: string, templates: Record<string, (string | ServiceRef)[]>) => Object.entries(templates).map(([name, template]) => {
    const value = renderTemplate(template, (ref) => {
      const db = dbs.get(ref.service)!;
      return connectionValues({ ...db, name: k8sName(db.name) }, 'network')[ref.field as Exclude<ServiceRef['field'], 'image'>];
    });
    const secretive = passwordRefs(template).length > 0;
    return secretive ? { name, ...fromSecret(secretName(owner, name), value) } : { name, value };
  });
  const waitFor = (names: string[]) => names.map((n) => dbs.get(n)!).map((db) => ({
    name: k8sName(`wait-for-${db.name}`),
    image: db.image,
    command: ['sh', '-c', `until pg_isready -h ${k8sName(db.name)} -p ${POSTGRES_PORT} -U "$PGUSER"; do sleep 1; done`],
    env: [{ name: 'PGUSER', value: db.user }],
  }));

  for (const db of dbs.values()) {
    const name = k8sName(db.name);
    const init = db.init.map((file, i) => ({ key: `${String(i).padStart(3, '0')}-${k8sName(file.split('/').pop()!.replace(/\.(sql|sh)$/, ''))}${/\.sh$/.test(file) ? '.sh' : '.sql'}`, text: options.read(file) }));
    if (init.length > 0) objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${db.name}-init`, db.name, 'database'), data: Object.fromEntries(init.map((f) => [f.key, f.text])) });
    const probe = (period: number, failures: number) => ({ exec: { command: ['sh', '-c', `pg_isready -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"`] }, periodSeconds: period, failureThreshold: failures });
    objects.push({
      apiVersion: 'v1', kind: 'Service', metadata: meta(db.name, db.name, 'database'),
      spec: { selector: selector(db.name), ports: [{ name: 'postgres', port: POSTGRES_PORT, targetPort: POSTGRES_PORT }] },
    });
    objects.push({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(db.name, db.name, 'database'),
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: selector(db.name) },
        template: {
          metadata: { labels: labels(db.name, 'database') },
          spec: {
            terminationGracePeriodSeconds: Math.ceil(db.stopTimeoutMs / 1000),
            containers: [{
              name: 'postgres',
              image: db.image,
              ...(db.command ? { args: db.command[0]?.startsWith('-') ? ['postgres', ...db.command] : db.command } : {}),
              ports: [{ name: 'postgres', containerPort: POSTGRES_PORT }],
              env: [
                { name: 'POSTGRES_USER', value: db.user },
                { name: 'POSTGRES_DB', value: db.database },
                { name: 'POSTGRES_PASSWORD', ...fromSecret(secretName(db.name, 'POSTGRES_PASSWORD'), db.password) },
                // A volume's root holds lost+found, which initdb refuses: the data goes one folder down.
                { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
              ],
              readinessProbe: probe(2, 3),
              livenessProbe: { ...probe(10, 6), initialDelaySeconds: 30 },
              resources: { requests: { cpu: '100m', memory: '256Mi' } },
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/postgresql/data' },
                ...(init.length > 0 ? [{ name: 'init', mountPath: '/docker-entrypoint-initdb.d', readOnly: true }] : []),
              ],
            }],
            ...(init.length > 0 ? { volumes: [{ name: 'init', configMap: { name: k8sName(`${db.name}-init`) } }] } : {}),
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: 'data', labels: labels(db.name, 'database') },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: options.storage ?? '1Gi' } } },
        }],
      },
    });
  }

  const steps = project.migrations.filter((m) => {
    if (m.kind !== 'process') return true;
    skipped.push(`migration ${m.name}: a process: step runs on the host; run \`${m.command.join(' ')}\` against the cluster's database yourself`);
    return false;
  });
  // A ConfigMap key is [-._a-zA-Z0-9]+: a file named otherwise ("001 add users.sql") is stored under
  // another key and mounted under its own name, which the applier records, as devenv does.
  const sqlFiles = new Map<string, { key: string; path: string }[]>();
  for (const m of steps) {
    if (m.kind !== 'sql') continue;
    const used = new Set<string>();
    const files = options.list(m.dir).filter((f) => f.endsWith('.sql')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((path, i) => {
      let key = /^[-._a-zA-Z0-9]+$/.test(path) && !path.startsWith('..') ? path : path.replace(/[^-._a-zA-Z0-9]/g, '_').replace(/^\.\./, '_.');
      while (used.has(key)) key = `${i}-${key}`;
      used.add(key);
      return { key, path };
    });
    sqlFiles.set(m.name, files);
    objects.push({
      apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${project.name}-migration-${m.name}`, m.name, 'migration'),
      data: Object.fromEntries(files.map((f) => [f.key, options.read(`${m.dir}/${f.path}`)])),
    });
  }
  const needed = migrationNeeds(project);
  const migrationContainers = (): Obj[] => steps.map((m) => migrationContainer(m));
  const migrationContainer = (m: Migration): Obj => {
    if (m.kind === 'sql') {
      const db = dbs.get(m.database)!;
      return {
        name: k8sName(`migrate-${m.name}`),
        image: db.image,
        command: ['sh', '-c', SQL_APPLIER],
        env: [
          { name: 'PGHOST', value: k8sName(db.name) },
          { name: 'PGPORT', value: String(POSTGRES_PORT) },
          { name: 'PGUSER', value: db.user },
          { name: 'PGPASSWORD', ...fromSecret(secretName(db.name, 'POSTGRES_PASSWORD'), db.password) },
          { name: 'PGDATABASE', value: db.database },
          { name: 'STEP', value: m.name },
        ],
        volumeMounts: [{ name: k8sName(`migration-${m.name}`), mountPath: '/migrations', readOnly: true }],
      };
    }
    const runner = project.services.find((s): s is ContainerService => s.kind === 'container' && s.name === (m as Extract<Migration, { kind: 'run' }>).service)!;
    return { name: k8sName(`migrate-${m.name}`), image: imageOf(runner, project), args: m.command, ...(runner.workingDir ? { workingDir: runner.workingDir } : {}), env: env(runner.name, runner.env) };
  };

  for (const s of project.services) {
    if (s.kind === 'postgres') continue;
    if (s.kind === 'process') {
      skipped.push(`service ${s.name}: a process: service runs on the host; a cluster runs containers`);
      continue;
    }
    if (s.build || s.buildFrom) skipped.push(`${s.name}: its image ${imageOf(s, project)} is built by devenv; push it to a registry the cluster pulls from (\`docker tag\` and \`docker push\`) and use that name`);
    const bind = s.volumes.filter((v) => v.type === 'bind');
    for (const v of bind) skipped.push(`${s.name}: the bind mount ${v.source}:${v.target} (a folder of this machine); bake it into the image instead`);
    const named = s.volumes.filter((v) => v.type === 'volume');
    for (const v of named) {
      objects.push({
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(`${project.name}-${v.source}`, s.name, 'storage'),
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: options.storage ?? '1Gi' } } },
      });
    }
    const waitsForMigrations = !needed.has(s.name) && steps.length > 0;
    const dbDeps = [...new Set([...s.dependsOn.map((d) => d.service).filter((d) => dbs.has(d)), ...(waitsForMigrations ? steps.flatMap((m) => (m.kind === 'sql' ? [m.database] : [])) : [])])];
    const initContainers = [...waitFor(dbDeps), ...(waitsForMigrations ? migrationContainers() : [])];
    const volumes = [
      ...named.map((v) => ({ name: k8sName(`vol-${v.source}`), persistentVolumeClaim: { claimName: k8sName(`${project.name}-${v.source}`) } })),
      ...(waitsForMigrations ? steps.filter((m) => m.kind === 'sql').map((m) => ({ name: k8sName(`migration-${m.name}`), configMap: { name: k8sName(`${project.name}-migration-${m.name}`), items: sqlFiles.get(m.name)!.map((f) => ({ key: f.key, path: f.path })) } })) : []),
    ];
    const probes = probesOf(s.health);
    const container = {
      name: k8sName(s.name),
      image: imageOf(s, project),
      ...(s.command ? { args: s.command } : {}),
      ...(s.workingDir ? { workingDir: s.workingDir } : {}),
      ...(s.ports.length > 0 ? { ports: s.ports.map((p) => ({ containerPort: p.containerPort, protocol: p.protocol.toUpperCase() })) } : {}),
      ...(Object.keys(s.env).length > 0 ? { env: env(s.name, s.env) } : {}),
      ...probes,
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
      ...(named.length > 0 ? { volumeMounts: named.map((v) => ({ name: k8sName(`vol-${v.source}`), mountPath: v.target, readOnly: v.readOnly })) } : {}),
    };
    const podSpec = {
      terminationGracePeriodSeconds: Math.ceil(s.stopTimeoutMs / 1000),
      ...(initContainers.length > 0 ? { initContainers } : {}),
      containers: [container],
      ...(volumes.length > 0 ? { volumes } : {}),
      ...(s.oneshot ? { restartPolicy: 'OnFailure' } : {}),
    };
    if (s.oneshot) {
      objects.push({ apiVersion: 'batch/v1', kind: 'Job', metadata: meta(s.name, s.name, 'job'), spec: { backoffLimit: 3, template: { metadata: { labels: labels(s.name, 'job') }, spec: podSpec } } });
    } else {
      objects.push({
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(s.name, s.name, 'app'),
        spec: { replicas: 1, selector: { matchLabels: selector(s.name) }, template: { metadata: { labels: labels(s.name, 'app') }, spec: podSpec } },
      });
    }
    if (s.ports.length > 0) {
      objects.push({
        apiVersion: 'v1', kind: 'Service', metadata: meta(s.name, s.name, 'app'),
        spec: { selector: selector(s.name), ports: s.ports.map((p) => ({ name: `${p.protocol}-${p.containerPort}`, port: p.containerPort, targetPort: p.containerPort, protocol: p.protocol.toUpperCase() })) },
      });
    }
  }
  const secretObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: secretObjectName, labels: labels(project.name, 'secrets') }, type: 'Opaque', stringData: secret };
  return { objects: [secretObject, ...objects], skipped };
}

function probesOf(h: HealthCheck): Obj {
  if (h.type === 'none') return {};
  const action = h.type === 'http' ? { httpGet: { path: h.path, port: h.port } } : h.type === 'tcp' ? { tcpSocket: { port: h.port } } : { exec: { command: h.command } };
  const period = Math.max(1, Math.round(h.intervalMs / 1000));
  return {
    readinessProbe: { ...action, periodSeconds: Math.max(period, 2), failureThreshold: 3 },
    // Generous: liveness restarts the pod, so it must not fire while the app starts.
    livenessProbe: { ...action, periodSeconds: 10, failureThreshold: 6, initialDelaySeconds: Math.ceil(h.timeoutMs / 1000) },
  };
}

function imageOf(s: ContainerService, project: Project): string {
  const source = s.buildFrom ? project.services.find((x): x is ContainerService => x.kind === 'container' && x.name === s.buildFrom) : s;
  return source?.image ?? s.image;
}


