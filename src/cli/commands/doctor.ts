/**
 * `devenv doctor`: what `up` needs from this machine, checked, each problem with its fix. Facts are
 * gathered first (engine, clock, disk, ports, credentials), then judged by a pure function.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../../config/project.js';
import { DevenvError } from '../../errors.js';
import { canBind, declaredHostPorts } from '../../engine/host-ports.js';
import { portHolder } from '../../util/port-holder.js';
import { dockerConfigDir } from '../../runtime/registry-auth.js';
import type { EngineInfo, EngineSystem } from '../../runtime/runtime.js';
import { loadFor, runtimeOnly } from '../context.js';
import type { CommandResult, GlobalOptions } from '../options.js';

export interface Facts {
  node: string;
  engine?: EngineInfo;
  engineError?: DevenvError;
  system?: EngineSystem;
  /** This machine's clock when the engine's was read, epoch ms. */
  localTime: number;
  /** Free bytes where images and volumes go (the engine's data folder, when on this machine) and in the project. */
  disks: { what: string; path: string; free: number }[];
  /** Fixed host ports devenv.yml publishes, and whether they are free now. */
  ports: { port: number; service: string; free: boolean; ours: boolean; holder?: string }[];
  credentials: { file: string; exists: boolean; helpers: { name: string; installed: boolean }[]; error?: string };
  /** Why devenv.yml was not read, if it was not. */
  projectError?: string;
}

export interface Finding {
  level: 'ok' | 'warn' | 'fail';
  topic: string;
  message: string;
  fix?: string;
}

const GB = 1024 ** 3;

export function diagnose(f: Facts): Finding[] {
  const out: Finding[] = [];
  const [major = 0, minor = 0] = f.node.replace(/^v/, '').split('.').map(Number);
  out.push(major > 20 || (major === 20 && minor >= 19)
    ? { level: 'ok', topic: 'node', message: `Node.js ${f.node}` }
    : { level: 'fail', topic: 'node', message: `Node.js ${f.node} is older than 20.19`, fix: 'Install Node.js 20.19 or newer (nvm install 20, or your package manager).' });
  if (!f.engine) {
    out.push({ level: 'fail', topic: 'engine', message: f.engineError?.message ?? 'no Docker engine answered', fix: f.engineError?.hint ?? 'Start Docker (Docker Desktop, `sudo systemctl start docker`, colima start), or point DOCKER_HOST at it.' });
    return [...out, ...judgeProject(f)];
  }
  const e = f.engine;
  const [apiMajor = 0, apiMinor = 0] = e.apiVersion.split('.').map(Number);
  out.push(apiMajor > 1 || apiMinor >= 41
    ? { level: 'ok', topic: 'engine', message: `Docker ${e.serverVersion} (API ${e.apiVersion}) at ${e.address}${e.remote ? ', on another machine: published ports are there' : ''}` }
    : { level: 'warn', topic: 'engine', message: `Docker ${e.serverVersion} (API ${e.apiVersion}) at ${e.address} is old; devenv is tested with API 1.41 (Docker 20.10) and newer`, fix: 'Upgrade the Docker engine.' });
  out.push(e.buildkit
    ? { level: 'ok', topic: 'buildkit', message: 'BuildKit available: `RUN --mount=type=cache` and parallel stages work' }
    : { level: 'warn', topic: 'buildkit', message: 'no BuildKit: builds use the classic builder, and Dockerfiles with RUN --mount fail', fix: 'Use Docker Engine 18.09+ on Linux (BuildKit is built in), or Docker Desktop.' });
  if (f.system) {
    const skew = Math.abs(f.system.systemTime - f.localTime);
    out.push(skew <= 5000
      ? { level: 'ok', topic: 'clock', message: `the engine's clock and this machine's agree (${(skew / 1000).toFixed(1)} s apart)` }
      : { level: 'warn', topic: 'clock', message: `the engine's clock is ${(skew / 1000).toFixed(0)} s off this machine's: TLS to registries, log times and "changed in the last 2 s" checks go wrong`, fix: e.remote ? 'Sync the clocks (NTP) on both machines.' : 'Sync the clock (timedatectl set-ntp true); on Docker Desktop or a VM, restart the VM after sleep.' });
    out.push(f.system.mirrors.length > 0
      ? { level: 'ok', topic: 'registry', message: `pulls go through the mirror${f.system.mirrors.length === 1 ? '' : 's'} ${f.system.mirrors.join(', ')}` }
      : { level: 'ok', topic: 'registry', message: 'pulls go to the registries directly (no mirror configured)' });
  }
  const c = f.credentials;
  if (c.error) out.push({ level: 'fail', topic: 'credentials', message: `${c.file} cannot be read: ${c.error}`, fix: 'Fix the JSON, or move the file away to pull without credentials.' });
  else if (!c.exists) out.push({ level: 'ok', topic: 'credentials', message: `no ${c.file}: public images only (\`docker login REGISTRY\` adds credentials)` });
  else {
    const missing = c.helpers.filter((h) => !h.installed);
    out.push(missing.length === 0
      ? { level: 'ok', topic: 'credentials', message: `registry credentials from ${c.file}${c.helpers.length > 0 ? ` (helpers: ${c.helpers.map((h) => h.name).join(', ')})` : ''}` }
      : { level: 'fail', topic: 'credentials', message: `${c.file} names credential helpers that are not installed: ${missing.map((h) => `docker-credential-${h.name}`).join(', ')}; pulls from those registries fail`, fix: `Install them, or remove ${missing.map((h) => `"${h.name}"`).join(', ')} from credsStore/credHelpers in ${c.file}.` });
  }
  for (const d of f.disks) {
    const free = `${(d.free / GB).toFixed(1)} GB free`;
    if (d.free < 2 * GB) out.push({ level: 'fail', topic: 'disk', message: `${free} on ${d.path} (${d.what}): a build or a database can fill it`, fix: 'Free space: `docker system prune` removes stopped containers, unused networks and dangling images; `docker builder prune` the build cache.' });
    else if (d.free < 10 * GB) out.push({ level: 'warn', topic: 'disk', message: `${free} on ${d.path} (${d.what})`, fix: '`docker system prune` and `docker builder prune` free space when it runs low.' });
    else out.push({ level: 'ok', topic: 'disk', message: `${free} on ${d.path} (${d.what})` });
  }
  return [...out, ...judgeProject(f)];
}

function judgeProject(f: Facts): Finding[] {
  if (f.projectError) return [{ level: 'warn', topic: 'devenv.yml', message: f.projectError, fix: '`devenv validate` shows every problem with its line.' }];
  return f.ports.map((p): Finding => (p.free || p.ours
    ? { level: 'ok', topic: 'ports', message: `127.0.0.1:${p.port} (${p.service}) is ${p.ours ? "held by this project's own container" : 'free'}` }
    : { level: 'fail', topic: 'ports', message: `127.0.0.1:${p.port}, which ${p.service} publishes, is taken by ${p.holder ?? 'another program'}`, fix: `Stop ${p.holder ? 'it' : `what listens there (\`lsof -i :${p.port}\` or \`ss -ltnp\` names it)`}, or publish ${p.service} on another port (its \`ports\` in devenv.yml; 0 picks a free one).` }));
}

export async function doctorCommand(flags: GlobalOptions & { json?: boolean }): Promise<CommandResult> {
  const findings = diagnose(await gather(flags));
  if (flags.json) process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  else {
    const mark = { ok: '✔', warn: '!', fail: '✖' } as const;
    for (const x of findings) {
      process.stdout.write(`${mark[x.level]} ${x.topic}: ${x.message}\n`);
      if (x.fix && x.level !== 'ok') process.stdout.write(`    fix: ${x.fix}\n`);
    }
    const failed = findings.filter((x) => x.level === 'fail').length;
    process.stdout.write(failed === 0 ? '\nNothing stands in the way of `devenv up`.\n' : `\n${failed} problem${failed === 1 ? '' : 's'} to fix before \`devenv up\` works.\n`);
  }
  return findings.some((x) => x.level === 'fail') ? 1 : 0;
}

async function gather(flags: GlobalOptions): Promise<Facts> {
  const facts: Facts = { node: process.version, localTime: Date.now(), disks: [], ports: [], credentials: credentials() };
  let project: Project | undefined;
  try {
    project = await loadFor(flags, false);
  } catch (error) {
    if (!(error instanceof DevenvError && error.code === 'CONFIG_NOT_FOUND')) facts.projectError = `devenv.yml does not load: ${(error as Error).message.split('\n')[0]}`;
  }
  const runtime = await runtimeOnly();
  try {
    facts.engine = await runtime.info();
    facts.localTime = Date.now();
    facts.system = await runtime.system();
    facts.localTime = (facts.localTime + Date.now()) / 2;
  } catch (error) {
    facts.engineError = error instanceof DevenvError ? error : new DevenvError('ENGINE_UNAVAILABLE', (error as Error).message);
  }
  if (facts.system?.rootDir && !facts.engine?.remote) addDisk(facts, 'images, containers and volumes', facts.system.rootDir);
  if (project) {
    addDisk(facts, 'the project', project.dir);
    const ours = new Set<number>();
    if (facts.engine) {
      for (const c of await runtime.listContainers({ 'dev.devenv.project': project.name }).catch(() => [])) for (const p of c.ports) ours.add(p.hostPort);
    }
    for (const s of project.services) {
      for (const p of declaredHostPorts(s)) {
        if (p.hostPort <= 0 || p.protocol !== 'tcp') continue;
        const free = await canBind(p.hostPort);
        const holder = free || ours.has(p.hostPort) ? undefined : await portHolder(p.hostPort);
        facts.ports.push({ port: p.hostPort, service: s.name, free, ours: ours.has(p.hostPort), ...(holder ? { holder } : {}) });
      }
    }
  }
  return facts;
}

function addDisk(facts: Facts, what: string, path: string): void {
  try {
    const s = statfsSync(path);
    facts.disks.push({ what, path, free: s.bavail * s.bsize });
  } catch {
    // Not readable from here (the engine's folder inside a VM): nothing to say.
  }
}

function credentials(): Facts['credentials'] {
  const file = join(dockerConfigDir(process.env), 'config.json');
  if (!existsSync(file)) return { file, exists: false, helpers: [] };
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as { credsStore?: string; credHelpers?: Record<string, string> };
    const names = [...new Set([config.credsStore, ...Object.values(config.credHelpers ?? {})].filter((n): n is string => Boolean(n)))];
    return { file, exists: true, helpers: names.map((name) => ({ name, installed: onPath(`docker-credential-${name}`) })) };
  } catch (error) {
    return { file, exists: true, helpers: [], error: (error as Error).message };
  }
}

function onPath(program: string): boolean {
  // The name comes from config.json: passed as an argument, never spliced into the script.
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { stdio: 'ignore' }).status === 0;
}

