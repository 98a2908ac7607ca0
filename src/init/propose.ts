/**
 * `devenv init`: a devenv.yml for the project in a folder, from what the folder holds. A Compose file
 * is imported (services, env, ports, volumes, healthchecks, depends_on conditions; a postgres image
 * becomes a `postgres:` service, a one-off migrate or seed service a migration step). Otherwise: a Dockerfile becomes a built `app`, package.json's
 * database libraries a `db`, its migrate/seed scripts (prisma, knex) migration steps, and without a
 * Dockerfile its dev/start script a host process. Pure: the caller reads the files and writes the result.
 */
import { parse, stringify } from 'yaml';
import { parseDotenv } from '../config/dotenv.js';
import { SCHEMA_URL } from '../config/json-schema.js';

export interface FolderFacts {
  /** The folder's name (the project name, tidied). */
  name: string;
  /** Relative paths of the files that exist (only those asked about). */
  has: (path: string) => boolean;
  /** A file's text, or undefined. */
  read: (path: string) => string | undefined;
  /** .sql files directly in a folder, or []. */
  sqlFiles: (dir: string) => string[];
  /** The files directly in a folder, or [] (default: its .sql files). */
  files?: (dir: string) => string[];
  /** A variable's value as devenv would read it (the environment, then the folder's .env); undefined when unset. */
  env?: (name: string) => string | undefined;
}

export interface Proposal {
  /** The devenv.yml text. */
  text: string;
  /** What was found and decided, one line each, for the user. */
  notes: string[];
}

export const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
const DB_LIBRARIES = ['pg', 'postgres', 'prisma', '@prisma/client', 'knex', 'typeorm', 'sequelize', 'drizzle-orm', 'pg-promise', 'kysely', 'slonik'];

export function propose(folder: FolderFacts): Proposal {
  const compose = COMPOSE_FILES.find((f) => folder.has(f));
  const notes: string[] = [];
  const doc = compose ? fromCompose(folder, compose, notes) : fromFiles(folder, notes);
  const header = `# yaml-language-server: $schema=${SCHEMA_URL}\n# Written by \`devenv init\`${compose ? ` from ${compose}` : ''}; \`devenv up\` starts it, \`devenv validate\` checks it.\n`;
  return { text: header + stringify(doc, { lineWidth: 0 }), notes };
}

type Doc = { name: string; services: Record<string, Record<string, unknown>>; migrations?: Record<string, unknown>[] };

function projectName(folder: FolderFacts): string {
  return folder.name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+|[-_]+$/g, '') || 'app';
}

/** A development server first: the script a contributor runs. */
const DEV_SCRIPTS = ['dev', 'start:dev', 'dev:server', 'develop', 'serve', 'start'];
const EXAMPLE_ENV_FILES = ['.env.example', '.env.sample', 'env.example', '.env.dist', '.env.template', 'example.env'];

/**
 * How the app finds its database, in the names its example env file uses: DATABASE_URL when it has it
 * (or none of the others), else DB_HOST/DB_PORT/DB_USER/DB_PASSWORD/DB_NAME and the like, each given
 * the reference to the value it names (DB_CLIENT and other settings the app needs are left to it).
 */
function databaseEnv(example: Map<string, string>): Record<string, string> {
  const url = ['DATABASE_URL', 'POSTGRES_URL', 'PG_URL', 'DB_URL'].find((k) => example.has(k));
  if (url) return { [url]: '${db.url}' };
  const parts: [RegExp, string][] = [
    [/^(DB|DATABASE|POSTGRES|PG|TYPEORM)_?HOST(NAME)?$/, 'host'],
    [/^(DB|DATABASE|POSTGRES|PG|TYPEORM)_?PORT$/, 'port'],
    [/^(DB|DATABASE|POSTGRES|PG|TYPEORM)_?(USER|USERNAME)$/, 'user'],
    [/^(DB|DATABASE|POSTGRES|PG|TYPEORM)_?(PASSWORD|PASS)$/, 'password'],
    [/^(DB|DATABASE|POSTGRES|PG|TYPEORM)_?(NAME|DATABASE|DB)$/, 'database'],
  ];
  const env: Record<string, string> = {};
  for (const key of example.keys()) {
    const field = parts.find(([pattern]) => pattern.test(key))?.[1];
    if (field && !Object.values(env).includes(`\${db.${field}}`)) env[key] = `\${db.${field}}`;
  }
  if (Object.keys(env).length < 2) return { DATABASE_URL: '${db.url}' };
  // Which database it is, in the words of the libraries that ask: knex's client, Sequelize's dialect, TypeORM's type.
  for (const key of example.keys()) {
    if (/^(DB|DATABASE)_?CLIENT$/.test(key)) env[key] = 'pg';
    else if (/^((DB|DATABASE)_?(DIALECT|TYPE|DRIVER)|TYPEORM_CONNECTION)$/.test(key)) env[key] = 'postgres';
  }
  return env;
}

/** A value that points at this machine (a URL's or a setting's host): inside a container, the container itself. */
const pointsAtLocalhost = (value: string) => /(^|@|\/\/)(localhost|127\.0\.0\.1)([:/]|$)/.test(value);

/**
 * An env file written for the host (DB_HOST=localhost) read by a container: inside it, localhost is
 * the container itself. With one database in the file, its settings in the env file are set in `env`
 * (which wins over env_file) from the database's references.
 */
function pointEnvFilesAtDatabase(folder: FolderFacts, doc: Doc, notes: string[]): void {
  const databases = Object.keys(doc.services).filter((n) => doc.services[n]!.postgres !== undefined);
  if (databases.length !== 1) return;
  const [db] = databases as [string];
  for (const [name, service] of Object.entries(doc.services)) {
    if (service.postgres !== undefined || service.env_file === undefined) continue;
    const files = [service.env_file].flat() as string[];
    const values = new Map(files.flatMap((file) => parseDotenv(folder.read(file.replace(/^\.\//, '')) ?? '').entries.map((e) => [e.key, e.value] as const)));
    if (![...values.values()].some(pointsAtLocalhost)) continue;
    const set = Object.fromEntries(Object.entries(databaseEnv(values)).filter(([key]) => values.has(key)).map(([key, value]) => [key, value.replace('${db.', `\${${db}.`)]));
    if (Object.keys(set).length === 0) continue;
    service.env = { ...(service.env as Record<string, unknown> | undefined), ...set };
    notes.push(`${name}: ${files.join(', ')} points at localhost, which inside a container is the container itself: ${Object.keys(set).join(', ')} set in env from ${db} (env wins over env_file)`);
  }
}

/** Where apps commonly read their database settings (Sequelize's config, a knexfile, a TypeORM data source). */
function databaseConfigFiles(folder: FolderFacts): string[] {
  const configured = /config['"]?\s*:\s*path\.resolve\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)/.exec(folder.read('.sequelizerc') ?? '');
  const fromRc = configured ? [[configured[1], configured[2]].filter(Boolean).join('/').replace(/^\.\//, '')] : [];
  return [...fromRc, 'config/config.js', 'config/config.json', 'config/database.js', 'src/config/database.js', 'src/config/config.js', 'knexfile.js', 'knexfile.cjs', 'knexfile.ts', 'src/data-source.ts', 'ormconfig.js']
    .filter((f, i, all) => all.indexOf(f) === i && folder.has(f));
}

/** The variables a config file reads: process.env.NAME, process.env['NAME'], Sequelize's "use_env_variable": "NAME". */
function envNamesIn(text: string): string[] {
  const names = [...text.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])|"use_env_variable"\s*:\s*"([A-Z][A-Z0-9_]*)"/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return [...new Set(names)];
}

function fromFiles(folder: FolderFacts, notes: string[]): Doc {
  const doc: Doc = { name: projectName(folder), services: {} };
  const pkg = readJson(folder.read('package.json'));
  const deps = { ...(pkg?.dependencies ?? {}), ...(pkg?.devDependencies ?? {}) } as Record<string, string>;
  const scripts = (pkg?.scripts ?? {}) as Record<string, string>;
  const dbLibs = DB_LIBRARIES.filter((d) => d in deps);
  const sqlDir = ['db/migrations', 'migrations', 'sql'].find((d) => folder.sqlFiles(d).length > 0);
  const wantsDb = dbLibs.length > 0 || sqlDir !== undefined || folder.has('prisma/schema.prisma');
  if (wantsDb) {
    doc.services.db = { postgres: { version: '15' } };
    notes.push(`db: Postgres 15, because ${dbLibs.length > 0 ? `package.json uses ${dbLibs.join(', ')}` : sqlDir ? `${sqlDir}/ holds .sql files` : 'prisma/schema.prisma exists'}`);
  }
  const redis = ['redis', 'ioredis'].filter((d) => d in deps);
  const dockerfile = folder.read('Dockerfile');
  if (redis.length > 0 && dockerfile) {
    doc.services.redis = { image: 'redis:7' };
    notes.push(`redis: redis:7, because package.json uses ${redis.join(', ')}`);
  }
  // The app's own example env file says what it reads: its port, and how it finds its database.
  const exampleFile = EXAMPLE_ENV_FILES.find((f) => folder.has(f));
  const example = new Map(parseDotenv(exampleFile ? folder.read(exampleFile) ?? '' : '').entries.map((e) => [e.key, e.value]));
  // Without an example file, the app's database config says which variables it reads.
  const configFile = exampleFile ? undefined : databaseConfigFiles(folder).find((f) => envNamesIn(folder.read(f) ?? '').length > 0);
  if (configFile) for (const name of envNamesIn(folder.read(configFile) ?? '')) example.set(name, '');
  const portKey = ['PORT', 'APP_PORT', 'HTTP_PORT', 'SERVER_PORT'].find((k) => /^\d+$/.test(example.get(k) ?? ''));
  const port = dockerfile ? Number(/^\s*EXPOSE\s+(\d+)/im.exec(dockerfile)?.[1] ?? 3000) : Number(portKey ? example.get(portKey) : 3000);
  const dbEnv = databaseEnv(example);
  const env = wantsDb ? dbEnv : undefined;
  if (wantsDb && (exampleFile || configFile) && !('DATABASE_URL' in dbEnv)) notes.push(`the database's settings go in as ${Object.keys(dbEnv).join(', ')}, the names ${exampleFile ?? configFile} uses`);
  // The app's other settings, as its example file gives them: without them it often refuses to start.
  const settings = (inContainer: boolean, service: string): Record<string, string> => {
    if (!exampleFile) return {};
    const handled = new Set([...Object.keys(dbEnv), 'PORT', 'APP_PORT', 'HTTP_PORT', 'SERVER_PORT', 'REDIS_URL']);
    const databaseish = /^(DB|DATABASE|POSTGRES|PG|TYPEORM)_/;
    const out: Record<string, string> = {};
    const empty: string[] = [];
    const local: string[] = [];
    for (const [key, value] of example) {
      if (handled.has(key) || databaseish.test(key)) continue;
      if (value === '') empty.push(key);
      else if (inContainer && pointsAtLocalhost(value)) local.push(key);
      else out[key] = value.replaceAll('$', '$$$$'); // Written literally: devenv.yml would interpolate a $.
    }
    if (Object.keys(out).length > 0) notes.push(`${service}: ${Object.keys(out).join(', ')} as ${exampleFile} gives them (example values: change them in env)`);
    if (empty.length > 0 || local.length > 0) {
      notes.push(`${service}: left out of ${exampleFile}: ${[...empty.map((k) => `${k} (empty there)`), ...local.map((k) => `${k} (points at localhost, the container itself)`)].join(', ')}; set them in env if the app needs them`);
    }
    return out;
  };
  let app: string | undefined;
  if (dockerfile) {
    app = 'app';
    doc.services.app = {
      build: '.',
      ports: [`\${APP_PORT:-${port}}:${port}`],
      env: { ...settings(true, 'app'), ...(env ?? {}), ...(doc.services.redis ? { REDIS_URL: 'redis://redis:6379' } : {}), PORT: String(port) },
      ...(wantsDb || doc.services.redis ? { depends_on: [...(wantsDb ? ['db'] : []), ...(doc.services.redis ? ['redis'] : [])] } : {}),
    };
    if (!folder.has('.dockerignore')) notes.push('app: no .dockerignore: every build sends the whole folder to the engine, node_modules/ and .git/ included; a .dockerignore with `node_modules` and `.git` keeps builds fast');
    notes.push(`app: built from ./Dockerfile, published on 127.0.0.1:${port} (EXPOSE ${dockerfile.match(/EXPOSE/i) ? port : 'not found; 3000 assumed'}); health: a TCP check on that port`);
  } else if (pkg && DEV_SCRIPTS.some((s) => scripts[s])) {
    app = 'web';
    // The development script (a watcher, no build step) before `start`.
    const script = DEV_SCRIPTS.find((s) => scripts[s])!;
    doc.services.web = {
      process: `npm run ${script}`,
      port,
      env: { ...settings(false, 'web'), ...(env ?? {}), [portKey ?? 'PORT']: String(port) },
      ...(wantsDb ? { depends_on: ['db'] } : {}),
    };
    notes.push(`web: \`npm run ${script}\` on this machine under devenv's supervisor (no Dockerfile), expected on 127.0.0.1:${port}${portKey ? ` (${portKey} in ${exampleFile})` : ''}`);
  }
  const steps: Record<string, unknown>[] = [];
  const step = (name: string, command: string, extra: Record<string, unknown> = {}) => {
    if (app === 'app') steps.push({ name, run: command, service: 'app', ...extra });
    else steps.push({ name, process: command, ...(wantsDb ? { env: dbEnv } : {}), ...extra });
    // What its tool reads: unchanged, up skips it (in a container, even when a code edit rebuilt the image).
    if (extra.inputs) notes.push(`migration ${name}: up skips it while ${(extra.inputs as string[]).join(', ')} and its command and env are as at its last success (inputs)`);
  };
  // Scripts that call another package manager fail where only npm is installed: say so now.
  const used = [...MIGRATE_SCRIPTS, ...SEED_SCRIPTS].map((name) => scripts[name]).concat(app === 'web' ? scripts[DEV_SCRIPTS.find((s) => scripts[s])!] : undefined);
  const manager = ['yarn', 'pnpm'].find((m) => used.some((text) => text !== undefined && new RegExp(`(^|[\\s;&|(])${m}(\\s|$)`).test(text)));
  if (manager) notes.push(`package.json's scripts call ${manager}: it must be installed on this machine (\`corepack enable\`), or the steps that run them fail with "${manager}: not found"`);
  if (sqlDir && wantsDb) {
    steps.push({ name: 'schema', sql: `./${sqlDir}`, database: 'db' });
    notes.push(`migration schema: the .sql files of ${sqlDir}/, applied by devenv in order`);
  }
  packageSteps(folder, pkg, step, notes);
  if (steps.length > 0) doc.migrations = steps;
  if (Object.keys(doc.services).length === 0) {
    doc.services.app = { image: 'busybox', command: 'echo "replace me: image or build of your app"; sleep infinity' };
    notes.push('found no Dockerfile, package.json script or compose file: wrote a placeholder service to edit');
  }
  return doc;
}

/** package.json scripts that apply migrations, or seed, by the names projects give them (first found wins). */
const MIGRATE_SCRIPTS = ['migrate', 'db:migrate', 'migrate:latest', 'migrate:up', 'migration:run', 'migrations:run', 'db:migrate:deploy', 'prisma:migrate:deploy'];
const SEED_SCRIPTS = ['seed', 'db:seed', 'seed:run'];

/**
 * The migration and seed steps package.json says the app has: its migrate/seed scripts (by their usual
 * names), else the command of its migration tool (drizzle-kit, Prisma, knex, sequelize-cli with its
 * seeders/, node-pg-migrate).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function packageSteps(folder: FolderFacts, pkg: Record<string, any> | undefined, step: (name: string, command: string, extra?: Record<string, unknown>) => void, notes: string[]): void {
  const deps = { ...(pkg?.dependencies ?? {}), ...(pkg?.devDependencies ?? {}) } as Record<string, string>;
  const scripts = (pkg?.scripts ?? {}) as Record<string, string>;
  const sequelize = 'sequelize-cli' in deps || folder.has('.sequelizerc');
  // What a tool's migrate command reads: its migrations folder, then of its config and the lock file (its
  // version) those that exist. Without the folder found, none: a step skipped while new migrations
  // wait would be worse than one that runs every time.
  const inputs = (migrations: string, ...config: (string | undefined)[]) => {
    if (!folder.has(migrations)) return {};
    const found = [...new Set(config)].filter((p): p is string => p !== undefined && p !== migrations && folder.has(p));
    const lock = ['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml'].find((f) => folder.has(f));
    return { inputs: [migrations, ...found, ...(lock ? [lock] : [])] };
  };
  const knexfile = ['knexfile.js', 'knexfile.cjs', 'knexfile.mjs', 'knexfile.ts'].find((f) => folder.has(f));
  const configured = (file: string | undefined, pattern: RegExp) => {
    const found = file ? pattern.exec(folder.read(file) ?? '') : null;
    return found ? found.slice(1).filter(Boolean).join('/').replace(/^\.\//, '') : undefined;
  };
  const drizzleConfig = ['drizzle.config.ts', 'drizzle.config.js', 'drizzle.config.mjs', 'drizzle.config.json'].find((f) => folder.has(f));
  // Each tool: its command, a package.json script that is that command and nothing else, and what it reads.
  const tools = {
    drizzle: { command: 'npx drizzle-kit migrate', script: /^drizzle-kit\s+migrate$/, note: '`drizzle-kit migrate` (the migrations drizzle-kit generate wrote)', inputs: () => inputs(configured(drizzleConfig, /out\s*:\s*['"]([^'"]+)['"]/) ?? 'drizzle', drizzleConfig) },
    prisma: { command: 'npx prisma migrate deploy', script: /^prisma\s+migrate\s+deploy$/, note: '`prisma migrate deploy`', inputs: () => inputs('prisma') },
    knex: { command: 'npx knex migrate:latest', script: /^knex\s+migrate:latest$/, note: '`knex migrate:latest`', inputs: () => inputs(configured(knexfile, /migrations\s*:\s*\{[^}]*?directory\s*:\s*['"]([^'"]+)['"]/) ?? 'migrations', knexfile) },
    sequelize: {
      command: 'npx sequelize-cli db:migrate',
      script: /^sequelize(-cli)?\s+db:migrate$/,
      note: `\`sequelize-cli db:migrate\`${'sequelize-cli' in deps ? '' : ' (add sequelize-cli to devDependencies, or npx fetches it each time)'}`,
      inputs: () => inputs(configured('.sequelizerc', /['"]migrations-path['"]\s*:\s*path\.resolve\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)/) ?? 'migrations', '.sequelizerc', 'config/config.js', 'config/config.json'),
    },
    pgMigrate: { command: 'npx node-pg-migrate up', script: /^node-pg-migrate\s+up$/, note: '`node-pg-migrate up` (it reads DATABASE_URL)', inputs: () => inputs('migrations') },
  };
  // The script a project names its migrations by (the first of the usual names it has), else its tool.
  const script = MIGRATE_SCRIPTS.find((name) => scripts[name]);
  // A script that is its tool's migrate command and nothing else reads what the tool reads, and package.json.
  const toolIn = (text: string) => {
    const only = text.trim().replace(/^npx\s+/, '');
    const found = Object.values(tools).find((t) => t.script.test(only))?.inputs();
    return found?.inputs ? { inputs: [...found.inputs, 'package.json'] } : undefined;
  };
  const tool = 'drizzle-kit' in deps ? tools.drizzle : 'prisma' in deps || folder.has('prisma/schema.prisma') ? tools.prisma : 'knex' in deps ? tools.knex : sequelize ? tools.sequelize : 'node-pg-migrate' in deps ? tools.pgMigrate : undefined;
  if (script) {
    notes.push(`migration migrate: package.json's \`${script}\` script`);
    // What it reads is its tool's, when the script names one.
    step('migrate', `npm run ${script}`, toolIn(scripts[script]!) ?? {});
  } else if (tool) {
    notes.push(`migration migrate: ${tool.note}`);
    step('migrate', tool.command, tool.inputs());
  }
  const seed = SEED_SCRIPTS.find((name) => scripts[name]);
  if (seed) {
    step('seed', `npm run ${seed}`, { when: 'fresh' });
    notes.push(`migration seed: package.json's \`${seed}\` script, once per new database`);
  } else if (sequelize && (folder.files?.('seeders') ?? []).length > 0) {
    step('seed', 'npx sequelize-cli db:seed:all', { when: 'fresh' });
    notes.push('migration seed: `sequelize-cli db:seed:all` (the files of seeders/), once per new database');
  }
}

type ComposeService = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string; args?: Record<string, string> | string[] };
  command?: string | string[];
  entrypoint?: string | string[];
  working_dir?: string;
  profiles?: string[];
  stdin_open?: boolean;
  tty?: boolean;
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: string | (string | { path: string; required?: boolean })[];
  ports?: (string | number | { target: number; published?: number | string })[];
  volumes?: (string | { type?: string; source?: string; target: string; read_only?: boolean })[];
  healthcheck?: { test?: string | string[]; interval?: string; timeout?: string; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  restart?: string;
  links?: string[];
};

function fromCompose(folder: FolderFacts, file: string, notes: string[]): Doc {
  let compose: { services?: Record<string, ComposeService> };
  try {
    compose = (parse(folder.read(file) ?? '') ?? {}) as typeof compose;
  } catch (error) {
    throw new Error(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const doc: Doc = { name: projectName(folder), services: {} };
  // Compose starts these only when asked (`--profile test`): not part of the everyday stack.
  for (const [name, s] of Object.entries(compose.services ?? {})) {
    // A migrate or seed one-off kept under a profile (`--profile tools`) is still the project's migration.
    if (!s.profiles?.length || /migrat|seed/i.test(`${name} ${[s.command ?? ''].flat().join(' ')}`)) continue;
    notes.push(`${name}: left out: Compose starts it only with --profile ${s.profiles.join('/')}; add it to devenv.yml if everyday work needs it`);
    delete compose.services![name];
    for (const other of Object.values(compose.services ?? {})) {
      if (Array.isArray(other.depends_on)) other.depends_on = other.depends_on.filter((d) => d !== name);
      else if (other.depends_on) delete other.depends_on[name];
    }
  }
  for (const [name, s] of Object.entries(compose.services ?? {})) {
    if ((s.stdin_open || s.tty) && s.command === undefined) {
      notes.push(`${name}: Compose keeps it open for \`docker compose exec\` (stdin_open/tty); devenv runs its image's command, which must keep running (or mark it \`oneshot: true\`); \`devenv exec ${name} sh\` opens a shell`);
    }
    const env = environment(s.environment);
    const last = s.image?.split('/').pop() ?? '';
    // A postgres image that runs something else (psql for a migration) is not a database.
    if (s.image && ['postgres', 'postgis'].includes(last.split(/[:@]/)[0]!) && s.entrypoint === undefined && s.command === undefined) {
      const tag = last.split('@')[0]!.split(':')[1];
      const major = tag ? /^(\d+)/.exec(tag)?.[1] : undefined;
      const pg: Record<string, unknown> = {};
      if (!/^(library\/)?postgres(:|$)/.test(s.image)) pg.image = s.image;
      else if (major) pg.version = major;
      // A bare ${VAR} unset here would be an empty name: devenv's default stands in until it is set.
      if (env.POSTGRES_DB) pg.database = withDefault(env.POSTGRES_DB, doc.name);
      if (env.POSTGRES_USER) pg.user = withDefault(env.POSTGRES_USER, 'postgres');
      if (env.POSTGRES_PASSWORD) pg.password = env.POSTGRES_PASSWORD;
      const published = (s.ports ?? []).map((p) => port(p, folder)).find((p) => p?.container === 5432);
      if (published?.host) pg.port = published.host;
      else if ((s.ports ?? []).length > 0) notes.push(`${name}: its published port is left out: devenv publishes Postgres on a free 127.0.0.1 port (\`devenv env\` shows it), or set \`port\` under \`postgres\``);
      const init = initFiles(folder, s.volumes ?? []);
      if (init.length > 0) pg.init = init;
      doc.services[name] = { postgres: pg, ...deps(s.depends_on) };
      // Say what devenv will run: a `version:` picks the official image of that major, not Compose's variant.
      const runs = pg.image ? `image ${s.image}` : major ? `postgres:${major}${tag !== major ? ` (Compose ran ${s.image}; set \`image: ${s.image}\` under \`postgres\` to keep that variant)` : ''}` : `image ${s.image}`;
      notes.push(`${name}: a postgres: service, ${runs}${s.healthcheck ? '; devenv waits for a real connection instead of its healthcheck' : ''}`);
      if (init.length > 0) notes.push(`${name}: init files ${init.join(', ')} (Compose mounted them into /docker-entrypoint-initdb.d), run once on a new volume`);
      continue;
    }
    const out: Record<string, unknown> = {};
    if (s.links?.length) notes.push(`${name}: its links are left out: every service reaches the others by name on the project network`);
    if (s.build !== undefined) {
      const b = typeof s.build === 'string' ? { context: s.build } : s.build;
      const args = Array.isArray(b.args) ? Object.fromEntries(b.args.map((a) => a.split('='))) : b.args;
      out.build = b.dockerfile || b.target || args ? { context: b.context ?? '.', ...(b.dockerfile ? { dockerfile: b.dockerfile } : {}), ...(b.target ? { target: b.target } : {}), ...(args ? { args } : {}) } : (b.context ?? '.');
      if (s.image) out.image = s.image;
    } else if (s.image) out.image = s.image;
    if (s.entrypoint !== undefined) {
      // devenv.yml has no entrypoint: the image's runs what `command` says, which keeps both.
      const entry = typeof s.entrypoint === 'string' ? ['sh', '-c', s.entrypoint] : s.entrypoint;
      const cmd = s.command === undefined ? [] : typeof s.command === 'string' ? ['sh', '-c', s.command] : s.command;
      out.command = [...entry, ...cmd];
      notes.push(`${name}: its entrypoint is folded into \`command\` (the image's own entrypoint runs it)`);
    } else if (s.command !== undefined) out.command = s.command;
    if (s.working_dir !== undefined) out.working_dir = s.working_dir;
    if (Object.keys(env).length > 0) out.env = env;
    // Compose's long form ({ path, required }) as paths: devenv.yml takes a path or a list of them.
    if (s.env_file !== undefined) out.env_file = typeof s.env_file === 'string' ? s.env_file : s.env_file.map((f) => (typeof f === 'string' ? f : f.path));
    const ports = (s.ports ?? []).map((p) => port(p, folder)).filter((p): p is NonNullable<typeof p> => p !== undefined);
    if (ports.length > 0) out.ports = ports.map((p) => (p.host === undefined ? `0:${p.container}` : `${p.host}:${p.container}`));
    const chosen = ports.filter((p) => p.host === undefined || (typeof p.host === 'string' && p.host.endsWith(':-0}')));
    if (chosen.length > 0) notes.push(`${name}: container port${chosen.length > 1 ? 's' : ''} ${chosen.map((p) => p.container).join(', ')} published on a free 127.0.0.1 port${chosen.some((p) => p.host !== undefined) ? ' unless its variable is set' : ''} (\`devenv ps\` shows it)`);
    const unread = (s.ports ?? []).filter((p) => port(p, folder) === undefined);
    if (unread.length > 0) notes.push(`${name}: port${unread.length > 1 ? 's' : ''} ${unread.map((p) => JSON.stringify(p)).join(', ')} left out (init reads one container port: a number, or a variable set in the environment or .env): add ${unread.length > 1 ? 'them' : 'it'} under \`ports\` as "HOST:CONTAINER"`);
    const volumes = (s.volumes ?? []).map((v) => (typeof v === 'string' ? v : v.source === undefined ? v.target : `${v.source}:${v.target}${v.read_only ? ':ro' : ''}`)).map((v) => {
      // An anonymous volume (`/app/node_modules`, to keep the image's folder under a bind mount): a named one does the same.
      if (!v.startsWith('/') || v.includes(':')) return v;
      const named = `${name}-${v.split('/').filter(Boolean).join('-').replace(/[^a-zA-Z0-9_.-]/g, '-') || 'data'}`;
      notes.push(`${name}: the anonymous volume ${v} is the named volume ${named} (kept by \`down\`, removed by \`down --volumes\`)`);
      return `${named}:${v}`;
    });
    if (volumes.length > 0) out.volumes = volumes;
    const health = healthcheck(s.healthcheck);
    if (health) out.health = health;
    if (s.restart && ['no', 'always', 'on-failure'].includes(s.restart.replace(/:.*/, ''))) out.restart = s.restart.replace(/:.*/, '');
    else if (s.restart === 'unless-stopped') out.restart = 'always';
    Object.assign(out, deps(s.depends_on));
    doc.services[name] = out;
  }
  pointEnvFilesAtDatabase(folder, doc, notes);
  let steps = migrationSteps(compose.services ?? {}, doc, notes);
  // Migrations run by hand beside Compose (`npx sequelize-cli db:migrate`): the package's tool, in the
  // image of the service built from this folder, when it serves a database.
  const built = Object.entries(compose.services ?? {}).find(([name, c]) => doc.services[name]?.build !== undefined && [c.build].flat().some((b) => (typeof b === 'string' ? b : b?.context ?? '.').replace(/\/$/, '') === '.'))?.[0];
  if (steps === 0 && built && Object.values(doc.services).some((x) => x.postgres !== undefined)) {
    const found: Record<string, unknown>[] = [];
    packageSteps(folder, readJson(folder.read('package.json')), (name, command, extra = {}) => found.push({ name, run: command, service: built, ...extra }), notes);
    if (found.length > 0) doc.migrations = [...(doc.migrations ?? []), ...found];
    steps = found.length;
  }
  referToDatabases(doc, notes);
  notes.push(`imported ${Object.keys(doc.services).length} service(s)${steps > 0 ? ` and ${steps} migration step(s)` : ''} from ${file}; ports are published on 127.0.0.1 only`);
  const unset = folder.env ? unsetVariables(folder.read(file) ?? '', folder) : [];
  if (unset.length > 0) {
    const example = (folder.files?.('.') ?? []).find((f) => /^(\.env[._-]?(example|sample|dist|template)|(env|example)[._-].*|.*\.env\.(example|sample))$/i.test(f) && f !== '.env');
    notes.push(`${file} uses variables set neither in the environment nor in .env: ${unset.join(', ')}; devenv.yml keeps them (a Postgres database or user among them has devenv's default until it is set)${example ? `. ${example} looks like the example to copy to .env` : ''}`);
  }
  return doc;
}

/**
 * A one-off Compose service that migrates or seeds (by its name or command), run from the same build
 * or image as another service, with no env, volumes or dependencies that one lacks, becomes a
 * migration step in that service's image: devenv runs it before the services that waited for it, and
 * skips it while nothing it runs with changed. Returns how many were turned into steps.
 */
function migrationSteps(services: Record<string, ComposeService>, doc: Doc, notes: string[]): number {
  const steps: Record<string, unknown>[] = [];
  const converted: string[] = [];
  /** What each converted one-off waited for: those that waited for it now wait for that. */
  const inherited = new Map<string, string[] | Record<string, unknown> | undefined>();
  const names = Object.keys(services);
  const dependsOn = (s: ComposeService) => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));
  // In the order they depend on each other (Compose's order otherwise).
  const ordered: string[] = [];
  const visit = (name: string, seen: Set<string>) => {
    if (ordered.includes(name) || seen.has(name) || !services[name]) return;
    seen.add(name);
    for (const d of dependsOn(services[name]!)) visit(d, seen);
    ordered.push(name);
  };
  for (const name of names) visit(name, new Set());
  const says = (name: string, m: ComposeService) => `${name} ${Array.isArray(m.command) ? m.command.join(' ') : (m.command ?? '')}`;
  // A one-off: something waits for it to complete, or its name says it migrates or seeds; never one
  // Compose restarts (a worker that migrates first, then serves, is a service).
  const awaited = new Set(Object.values(services).flatMap((s) => (Array.isArray(s.depends_on) ? [] : Object.entries(s.depends_on ?? {}).filter(([, c]) => c?.condition === 'service_completed_successfully').map(([d]) => d))));
  const candidate = (name: string) => {
    const m = services[name]!;
    return doc.services[name]?.postgres === undefined && m.command !== undefined && m.entrypoint === undefined && (m.ports ?? []).length === 0
      && !['always', 'unless-stopped'].includes(m.restart ?? 'no') && /migrat|seed/i.test(says(name, m)) && (awaited.has(name) || /migrat|seed/i.test(name));
  };
  // The step runs in the image of a service that stays, one that publishes a port first (the app).
  const hosts = names.filter((n) => doc.services[n]?.postgres === undefined && !candidate(n)).sort((a, b) => Number((services[b]!.ports ?? []).length > 0) - Number((services[a]!.ports ?? []).length > 0));
  for (const name of ordered.filter(candidate)) {
    const m = services[name]!;
    const migrates = /migrat/i.test(says(name, m));
    const host = hosts.find((other) => sameImage(services[other]!, m) && covers(services[other]!, m, name, dependsOn));
    if (!host) continue;
    steps.push({ name, run: m.command, service: host, ...(migrates ? {} : { when: 'fresh' }) });
    converted.push(name);
    inherited.set(name, doc.services[name]!.depends_on as string[] | Record<string, unknown> | undefined);
    delete doc.services[name];
    notes.push(`migration ${name}: Compose's one-off \`${name}\` service, run in ${host}'s image before the other services start${migrates ? ', skipped while nothing it runs with changed' : ', once per new database (when: fresh)'}`);
  }
  if (converted.length === 0) return 0;
  // The services that waited for it wait for the migrations, as every service does, and for what it
  // waited for (an app that waited for `migrate`, which waited for a healthy db, waits for the db).
  const asMap = (d: string[] | Record<string, unknown> | undefined): Record<string, unknown> => (Array.isArray(d) ? Object.fromEntries(d.map((x) => [x, { condition: 'service_started' }])) : (d ?? {}));
  const through = (d: Record<string, unknown>, seen: Set<string>): Record<string, unknown> => Object.fromEntries(Object.entries(d).flatMap(([x, c]) => {
    if (!converted.includes(x)) return [[x, c]];
    if (seen.has(x)) return [];
    return Object.entries(through(asMap(inherited.get(x)), new Set([...seen, x])));
  }));
  for (const out of Object.values(doc.services)) {
    const d = out.depends_on as string[] | Record<string, unknown> | undefined;
    if (!d) continue;
    const waited = through(asMap(d), new Set());
    // Its own conditions first: a db it named itself keeps the condition it gave.
    const merged = { ...waited, ...Object.fromEntries(Object.entries(asMap(d)).filter(([x]) => !converted.includes(x))) };
    const kept = Array.isArray(d) && Object.values(merged).every((c) => (c as { condition?: string }).condition === 'service_started') ? Object.keys(merged) : merged;
    if ((Array.isArray(kept) ? kept.length : Object.keys(kept).length) > 0) out.depends_on = kept;
    else delete out.depends_on;
  }
  doc.migrations = [...(doc.migrations ?? []), ...steps];
  return steps.length;
}

/**
 * A connection URL written out in full (`postgres://app:secret@db:5432/app`) becomes `${db.url}`: the
 * same value in the containers, and one that follows the database's settings and, for `devenv env` and
 * host processes, its host port. Only when the database's user, password and name are written out too.
 */
function referToDatabases(doc: Doc, notes: string[]): void {
  for (const [db, service] of Object.entries(doc.services)) {
    const pg = service.postgres as Record<string, unknown> | undefined;
    const literal = (v: unknown) => typeof v === 'string' && !v.includes('$');
    if (!pg || !literal(pg.password) || !literal(pg.database) || (pg.user !== undefined && !literal(pg.user))) continue;
    const credentials = `${(pg.user as string | undefined) ?? 'postgres'}:${pg.password as string}@${db}`;
    const written = new RegExp(`^postgres(?:ql)?://${escapeRegExp(credentials)}(?::5432)?/${escapeRegExp(pg.database as string)}(?=$|\\?)`);
    for (const [name, other] of Object.entries(doc.services)) {
      const env = other.env as Record<string, string> | undefined;
      const keys = Object.keys(env ?? {}).filter((k) => written.test(env![k]!));
      for (const k of keys) env![k] = env![k]!.replace(written, `\${${db}.url}`);
      if (keys.length > 0) notes.push(`${name}: ${keys.join(', ')} ${keys.length > 1 ? 'are' : 'is'} \`\${${db}.url}\`, the URL Compose wrote out: it follows ${db}'s settings, and its host port in \`devenv env\``);
    }
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Both run the same image: the same build, or the same image and no build. */
function sameImage(a: ComposeService, b: ComposeService): boolean {
  const build = (s: ComposeService) => (s.build === undefined ? undefined : JSON.stringify(typeof s.build === 'string' ? { context: s.build } : { ...s.build, context: s.build.context ?? '.' }));
  if (a.build !== undefined || b.build !== undefined) return build(a) === build(b);
  return a.image !== undefined && a.image === b.image;
}

/**
 * `host` has every env value, volume and dependency of `m` (a step runs with its service's); a host
 * that waited for `m` waited for its dependencies too.
 */
function covers(host: ComposeService, m: ComposeService, name: string, dependsOn: (s: ComposeService) => string[]): boolean {
  const env = environment(host.environment);
  const volume = (v: NonNullable<ComposeService['volumes']>[number]) => JSON.stringify(v);
  return Object.entries(environment(m.environment)).every(([k, v]) => env[k] === v)
    && [m.env_file ?? []].flat().every((f) => [host.env_file ?? []].flat().some((g) => JSON.stringify(g) === JSON.stringify(f)))
    && (m.volumes ?? []).every((v) => (host.volumes ?? []).map(volume).includes(volume(v)))
    && (dependsOn(host).includes(name) || dependsOn(m).every((d) => dependsOn(host).includes(d)));
}

/**
 * The files a Compose postgres service mounts into /docker-entrypoint-initdb.d, in the order Postgres
 * runs them: by their names there (the image's entrypoint runs *.sh, *.sql and compressed *.sql).
 */
function initFiles(folder: FolderFacts, volumes: NonNullable<ComposeService['volumes']>): string[] {
  const INITDB = '/docker-entrypoint-initdb.d';
  const runs = /\.(sh|sql|sql\.gz|sql\.xz|sql\.zst)$/;
  const relative = (p: string) => (p.startsWith('./') || p.startsWith('../') || p.startsWith('/') ? p : `./${p}`);
  const files: { name: string; source: string }[] = [];
  for (const v of volumes) {
    const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
    if (!source || !target || !(source.startsWith('.') || source.startsWith('/'))) continue;
    if (target.replace(/\/+$/, '') === INITDB) {
      const dir = source.replace(/\/+$/, '') || '/';
      const inside = (folder.files ?? folder.sqlFiles)(dir.replace(/^\.\//, '')).filter((f) => runs.test(f));
      files.push(...inside.map((f) => ({ name: f, source: relative(`${dir}/${f}`) })));
    } else if (target.startsWith(`${INITDB}/`) && runs.test(target)) files.push({ name: target.slice(INITDB.length + 1), source: relative(source) });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((f) => f.source);
}

function environment(e: ComposeService['environment']): Record<string, string> {
  if (!e) return {};
  if (Array.isArray(e)) return Object.fromEntries(e.map((x) => { const i = x.indexOf('='); return i < 0 ? [x, `\${${x}}`] : [x.slice(0, i), x.slice(i + 1)]; }));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v === null ? `\${${k}}` : String(v)]));
}

/**
 * A Compose port as devenv.yml writes it. The host side may stay a variable (`${WEB_PORT:-0}`: a free
 * port while it is unset); the container side must be a number, or a variable with a value here.
 */
function port(p: string | number | { target: number; published?: number | string }, folder: FolderFacts): { host?: number | string; container: number } | undefined {
  if (typeof p === 'number') return { container: p };
  const [hostText, containerText] = typeof p === 'object'
    ? [p.published === undefined ? undefined : String(p.published), String(p.target)]
    : ((parts) => [parts.length >= 2 ? parts.at(-2) : undefined, parts.at(-1)!])(splitOutsideVariables(p.replace(/\/(tcp|udp)$/, '')));
  const container = Number(VARIABLE.test(containerText) ? valueOf(containerText, folder) : containerText);
  if (!Number.isInteger(container)) return undefined;
  if (hostText === undefined || hostText === '') return { container };
  if (VARIABLE.test(hostText)) return { container, host: withDefault(hostText, '0') };
  const host = Number(hostText);
  return { container, ...(Number.isInteger(host) ? { host } : {}) };
}

/** ${NAME}, ${NAME:-default}, ${NAME-default}, $NAME. */
const VARIABLE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))$/;

/** A whole-value variable reference given a default when it has none; anything else as it is. */
function withDefault(text: string, fallback: string): string {
  const m = VARIABLE.exec(text);
  return m && m[2] === undefined ? `\${${m[1] ?? m[4]}:-${fallback}}` : text;
}

function valueOf(text: string, folder: FolderFacts): string | undefined {
  const m = VARIABLE.exec(text);
  if (!m) return text;
  const value = folder.env?.(m[1] ?? m[4]!);
  return value !== undefined && (value !== '' || m[2] === '-') ? value : m[3];
}

/** "${HOST_PORT:-8080}:80" → ["${HOST_PORT:-8080}", "80"]: colons inside ${…} do not split. */
function splitOutsideVariables(text: string): string[] {
  const parts = [''];
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (ch === '{' && text[i - 1] === '$') depth += 1;
    else if (ch === '}' && depth > 0) depth -= 1;
    if (ch === ':' && depth === 0) parts.push('');
    else parts[parts.length - 1] += ch;
  }
  return parts;
}

/** The variables a Compose file uses without a default that are set neither in the environment nor in .env. */
function unsetVariables(text: string, folder: FolderFacts): string[] {
  const names = new Set<string>();
  const uncommented = text.split('\n').filter((line) => !/^\s*#/.test(line)).join('\n');
  for (const m of uncommented.matchAll(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = m[1] ?? m[3];
    // ${X:?message} and ${X?message} require it: no default.
    if (name && (!m[2] || /^:?\?/.test(m[2])) && folder.env?.(name) === undefined) names.add(name);
  }
  return [...names].sort();
}

function healthcheck(h: ComposeService['healthcheck']): Record<string, unknown> | undefined {
  if (!h?.test || h.disable) return undefined;
  const test = typeof h.test === 'string' ? ['CMD-SHELL', h.test] : h.test;
  if (test[0] === 'NONE') return undefined;
  const command = test[0] === 'CMD-SHELL' ? test.slice(1).join(' ') : test[0] === 'CMD' ? test.slice(1) : test;
  return { command, ...(h.interval ? { interval: h.interval } : {}) };
}

function deps(d: ComposeService['depends_on']): Record<string, unknown> {
  if (!d) return {};
  if (Array.isArray(d)) return d.length > 0 ? { depends_on: d } : {};
  const map = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, { condition: v?.condition ?? 'service_started' }]));
  return Object.keys(map).length > 0 ? { depends_on: map } : {};
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function readJson(text: string | undefined): Record<string, any> | undefined {
  if (!text) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return JSON.parse(text) as Record<string, any>;
  } catch {
    return undefined;
  }
}
