import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { propose, type FolderFacts } from '../../../src/init/propose.js';

function folder(files: Record<string, string>, name = 'My Shop'): FolderFacts {
  return {
    name,
    has: (p) => p in files || Object.keys(files).some((f) => f.startsWith(`${p}/`)),
    read: (p) => files[p],
    sqlFiles: (d) => Object.keys(files).filter((f) => f.startsWith(`${d}/`) && f.endsWith('.sql')).map((f) => f.slice(d.length + 1)),
  };
}
const doc = (files: Record<string, string>) => parse(propose(folder(files)).text) as Record<string, any>;

describe('devenv init', () => {
  it('a Dockerfile and package.json with pg, redis and migrate/seed scripts: app, db, redis and run: steps', () => {
    const d = doc({
      Dockerfile: 'FROM node:20\nEXPOSE 8080\nCMD ["node", "server.js"]\n',
      'package.json': JSON.stringify({ scripts: { migrate: 'knex migrate:latest', seed: 'node seed.js' }, dependencies: { pg: '8', ioredis: '5' } }),
    });
    expect(d.name).toBe('my-shop');
    expect(d.services.db).toEqual({ postgres: { version: '15' } });
    expect(d.services.redis).toEqual({ image: 'redis:7' });
    expect(d.services.app).toEqual({
      build: '.', ports: ['${APP_PORT:-8080}:8080'],
      env: { DATABASE_URL: '${db.url}', REDIS_URL: 'redis://redis:6379', PORT: '8080' },
      depends_on: ['db', 'redis'],
    });
    expect(d.migrations).toEqual([
      { name: 'migrate', run: 'npm run migrate', service: 'app' },
      { name: 'seed', run: 'npm run seed', service: 'app', when: 'fresh' },
    ]);
    const files = { Dockerfile: 'FROM node:20\n', 'package.json': '{}' };
    expect(propose(folder(files)).notes.some((n) => n.startsWith('app: no .dockerignore'))).toBe(true);
    expect(propose(folder({ ...files, '.dockerignore': 'node_modules\n' })).notes.some((n) => n.startsWith('app: no .dockerignore'))).toBe(false);
  });

  it('a Sequelize app: its config\'s variables get the database\'s values, sequelize-cli migrates and seeds', () => {
    const files: Record<string, string> = {
      Dockerfile: 'FROM node:20\nEXPOSE 3000\n',
      'package.json': JSON.stringify({ dependencies: { pg: '8', sequelize: '6' }, devDependencies: { 'sequelize-cli': '6' } }),
      '.sequelizerc': "const path = require('path');\nmodule.exports = { config: path.resolve('src', 'db-config.js'), 'seeders-path': path.resolve('seeders') };\n",
      'src/db-config.js': 'module.exports = { development: { username: process.env.DB_USERNAME, password: process.env["DB_PASSWORD"], database: process.env.DB_NAME, host: process.env.DB_HOSTNAME, port: process.env.DB_PORT, dialect: process.env.DB_DIALECT } };\n',
    };
    const p = propose({ ...folder(files), files: (d) => (d === 'seeders' ? ['20240101-demo.js'] : []) });
    const d = parse(p.text) as Record<string, any>;
    expect(d.services.app.env).toEqual({ DB_USERNAME: '${db.user}', DB_PASSWORD: '${db.password}', DB_NAME: '${db.database}', DB_HOSTNAME: '${db.host}', DB_PORT: '${db.port}', DB_DIALECT: 'postgres', PORT: '3000' });
    expect(d.migrations).toEqual([
      { name: 'migrate', run: 'npx sequelize-cli db:migrate', service: 'app' },
      { name: 'seed', run: 'npx sequelize-cli db:seed:all', service: 'app', when: 'fresh' },
    ]);
    expect(p.notes).toContain('the database\'s settings go in as DB_USERNAME, DB_PASSWORD, DB_NAME, DB_HOSTNAME, DB_PORT, DB_DIALECT, the names src/db-config.js uses');
    // A knexfile reading DB_CLIENT gets knex's name for Postgres; node-pg-migrate reads DATABASE_URL.
    const knex = doc({ 'package.json': JSON.stringify({ scripts: { dev: 'node app.js' }, dependencies: { knex: '3', pg: '8' } }), 'knexfile.js': 'module.exports = { client: process.env.DB_CLIENT, connection: { host: process.env.DB_HOST, user: process.env.DB_USER } };' });
    expect(knex.services.web.env).toMatchObject({ DB_CLIENT: 'pg', DB_HOST: '${db.host}', DB_USER: '${db.user}' });
    const pgm = doc({ Dockerfile: 'FROM node:20\n', 'package.json': JSON.stringify({ dependencies: { pg: '8', 'node-pg-migrate': '7' } }) });
    expect(pgm.migrations).toEqual([{ name: 'migrate', run: 'npx node-pg-migrate up', service: 'app' }]);
  });

  it('no Dockerfile: the dev script as a host process, prisma migrations on the host, a sql folder applied by devenv', () => {
    const d = doc({
      'package.json': JSON.stringify({ scripts: { dev: 'next dev' }, dependencies: { '@prisma/client': '5' }, devDependencies: { prisma: '5' } }),
      'prisma/schema.prisma': '',
      'db/migrations/001_init.sql': 'CREATE TABLE t ();',
    });
    expect(d.services.web).toEqual({ process: 'npm run dev', port: 3000, env: { DATABASE_URL: '${db.url}', PORT: '3000' }, depends_on: ['db'] });
    expect(d.migrations).toEqual([
      { name: 'schema', sql: './db/migrations', database: 'db' },
      { name: 'migrate', process: 'npx prisma migrate deploy', env: { DATABASE_URL: '${db.url}' }, inputs: ['prisma'] },
    ]);
  });

  it('the app\'s other settings from its example env file: their example values, those empty or on localhost (in a container) named', () => {
    const files = {
      'package.json': JSON.stringify({ scripts: { dev: 'nodemon src/index.js' }, dependencies: { pg: '8' } }),
      '.env.example': 'NODE_ENV=development\nPORT=8080\nADMIN_HASH=\'$2b$10$abc\'\nJWT_SECRET=change-me\nFRONTEND_URL=http://localhost:5173\nSTRIPE_KEY=\nDB_HOST=localhost\nDB_USER=postgres\nDB_PASSWORD=postgres\nDB_NAME=app\n',
    };
    const onHost = propose(folder(files));
    expect((parse(onHost.text) as Record<string, any>).services.web.env).toEqual({
      // A $ is written $$: devenv.yml would interpolate it.
      NODE_ENV: 'development', ADMIN_HASH: '$$2b$$10$$abc', JWT_SECRET: 'change-me', FRONTEND_URL: 'http://localhost:5173',
      DB_HOST: '${db.host}', DB_USER: '${db.user}', DB_PASSWORD: '${db.password}', DB_NAME: '${db.database}', PORT: '8080',
    });
    expect(onHost.notes).toContain('web: NODE_ENV, ADMIN_HASH, JWT_SECRET, FRONTEND_URL as .env.example gives them (example values: change them in env)');
    expect(onHost.notes).toContain('web: left out of .env.example: STRIPE_KEY (empty there); set them in env if the app needs them');
    const inContainer = propose(folder({ ...files, Dockerfile: 'FROM node:20\nEXPOSE 8080\n' }));
    expect((parse(inContainer.text) as Record<string, any>).services.app.env).toMatchObject({ NODE_ENV: 'development', JWT_SECRET: 'change-me' });
    expect((parse(inContainer.text) as Record<string, any>).services.app.env).not.toHaveProperty('FRONTEND_URL');
    expect(inContainer.notes).toContain('app: left out of .env.example: STRIPE_KEY (empty there), FRONTEND_URL (points at localhost, the container itself); set them in env if the app needs them');
  });

  it('a host migration step names the files its tool reads, of those that exist, so a second up skips it', () => {
    const knex = propose(folder({
      'package.json': JSON.stringify({ scripts: { dev: 'nodemon app.js' }, dependencies: { knex: '3', pg: '8' } }),
      'package-lock.json': '{}',
      'knexfile.js': "module.exports = { client: 'pg', connection: process.env.DATABASE_URL, seeds: { directory: './seeds' }, migrations: { directory: './db/migrations' } };",
      'seeds/01.js': '',
      'db/migrations/20240101_init.js': '',
    }));
    expect((parse(knex.text) as Record<string, any>).migrations).toEqual([
      { name: 'migrate', process: 'npx knex migrate:latest', env: { DATABASE_URL: '${db.url}' }, inputs: ['db/migrations', 'knexfile.js', 'package-lock.json'] },
    ]);
    expect(knex.notes).toContain('migration migrate: up skips it while db/migrations, knexfile.js, package-lock.json and its command and env are as at its last success (inputs)');
    const sequelize = doc({
      'package.json': JSON.stringify({ scripts: { dev: 'node app.js' }, dependencies: { sequelize: '6', pg: '8' }, devDependencies: { 'sequelize-cli': '6' } }),
      '.sequelizerc': "const path = require('path');\nmodule.exports = { 'migrations-path': path.resolve('src', 'migrations') };\n",
      'src/migrations/001.js': '',
    });
    expect(sequelize.migrations[0].inputs).toEqual(['src/migrations', '.sequelizerc']);
    // An npm script could read anything: no inputs, the step runs on every up.
    expect(doc({ 'package.json': JSON.stringify({ scripts: { dev: 'node app.js', migrate: 'node migrate.js' }, dependencies: { pg: '8' } }) }).migrations[0]).not.toHaveProperty('inputs');
  });

  it('no Dockerfile, an example env file: its port and database names, the development script, a note on yarn', () => {
    const files = {
      'package.json': JSON.stringify({
        scripts: { start: 'node dist', 'start:dev': 'nodemon --exec babel-node src', migrate: 'yarn knex migrate:latest', seed: 'yarn knex seed:run' },
        dependencies: { knex: '2', pg: '8' },
      }),
      '.env.example': '# app\nAPP_PORT=8848\nDB_CLIENT=pg\nDB_HOST=localhost\nDB_PORT=5432\nDB_USER=postgres\nDB_PASSWORD="secret"\nDB_NAME=express\n',
    };
    const p = propose(folder(files));
    const d = parse(p.text) as Record<string, any>;
    const db = { DB_HOST: '${db.host}', DB_PORT: '${db.port}', DB_USER: '${db.user}', DB_PASSWORD: '${db.password}', DB_NAME: '${db.database}', DB_CLIENT: 'pg' };
    expect(d.services.web).toEqual({ process: 'npm run start:dev', port: 8848, env: { ...db, APP_PORT: '8848' }, depends_on: ['db'] });
    expect(d.migrations[0]).toEqual({ name: 'migrate', process: 'npm run migrate', env: db });
    expect(p.notes).toContain('the database\'s settings go in as DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_NAME, DB_CLIENT, the names .env.example uses');
    expect(p.notes).toContain('package.json\'s scripts call yarn: it must be installed on this machine (`corepack enable`), or the steps that run them fail with "yarn: not found"');
    expect(p.notes).toContain('web: `npm run start:dev` on this machine under devenv\'s supervisor (no Dockerfile), expected on 127.0.0.1:8848 (APP_PORT in .env.example)');
  });

  it('imports a Compose file: postgres becomes a postgres: service; env, ports, volumes, healthchecks and conditions carry over', () => {
    const d = doc({
      'docker-compose.yml': `
services:
  database:
    image: postgres:16-alpine
    environment: { POSTGRES_DB: cal, POSTGRES_USER: cal, POSTGRES_PASSWORD: secret }
    ports: ["5450:5432"]
    volumes: [db:/var/lib/postgresql/data]
  web:
    build: { context: ., dockerfile: docker/Dockerfile, args: [NODE_ENV=development] }
    environment:
      - DATABASE_URL=postgres://cal:secret@database:5432/cal
      - NEXTAUTH_SECRET
    ports: ["3000:3000", "9229"]
    volumes: ["./src:/app/src:ro"]
    healthcheck: { test: ["CMD", "curl", "-f", "http://localhost:3000/api/health"], interval: 5s }
    depends_on: { database: { condition: service_healthy } }
    restart: unless-stopped
volumes: { db: {} }
`,
    });
    expect(d.services.database).toEqual({ postgres: { version: '16', database: 'cal', user: 'cal', password: 'secret', port: 5450 } });
    expect(d.services.web).toEqual({
      build: { context: '.', dockerfile: 'docker/Dockerfile', args: { NODE_ENV: 'development' } },
      env: { DATABASE_URL: '${database.url}', NEXTAUTH_SECRET: '${NEXTAUTH_SECRET}' },
      ports: ['3000:3000', '0:9229'],
      volumes: ['./src:/app/src:ro'],
      health: { command: ['curl', '-f', 'http://localhost:3000/api/health'], interval: '5s' },
      restart: 'always',
      depends_on: { database: { condition: 'service_healthy' } },
    });
  });

  it('a migrate service the app waits for, itself waiting for the db: a step, and the app waits for the db instead; a written-out URL is ${db.url}', () => {
    const p = propose(folder({
      'docker-compose.yml': `
services:
  db:
    image: postgres:15
    environment: { POSTGRES_USER: bench, POSTGRES_PASSWORD: bench, POSTGRES_DB: bench }
  migrate:
    build: .
    command: ["node", "migrate.js"]
    environment: { DATABASE_URL: "postgresql://bench:bench@db:5432/bench?sslmode=disable" }
    depends_on: { db: { condition: service_healthy } }
  app:
    build: .
    environment:
      DATABASE_URL: "postgresql://bench:bench@db:5432/bench?sslmode=disable"
      OTHER_URL: postgres://bench:bench@elsewhere:5432/bench
    ports: ["3000:3000"]
    depends_on: { migrate: { condition: service_completed_successfully } }
`,
    }));
    const d = parse(p.text) as Record<string, any>;
    expect(d.migrations).toEqual([{ name: 'migrate', run: ['node', 'migrate.js'], service: 'app' }]);
    expect(d.services.app.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(d.services.app.env).toEqual({ DATABASE_URL: '${db.url}?sslmode=disable', OTHER_URL: 'postgres://bench:bench@elsewhere:5432/bench' });
    expect(p.notes).toContain('app: DATABASE_URL is `${db.url}`, the URL Compose wrote out: it follows db\'s settings, and its host port in `devenv env`');
  });

  it('a Compose file with no migration service: the package\'s migration tool runs in the image built from this folder', () => {
    const p = propose({
      ...folder({
        'docker-compose.yml': `
services:
  postgres-server:
    image: postgres
    environment: { POSTGRES_PASSWORD: secret }
  app:
    build: .
    ports: ["3000:3000"]
    depends_on: [postgres-server]
`,
        'package.json': JSON.stringify({ dependencies: { pg: '8', sequelize: '6' }, devDependencies: { 'sequelize-cli': '6' } }),
      }),
      files: (d) => (d === 'seeders' ? ['20240101-demo.js'] : []),
    });
    expect((parse(p.text) as Record<string, any>).migrations).toEqual([
      { name: 'migrate', run: 'npx sequelize-cli db:migrate', service: 'app' },
      { name: 'seed', run: 'npx sequelize-cli db:seed:all', service: 'app', when: 'fresh' },
    ]);
    expect(p.notes).toContain('imported 2 service(s) and 2 migration step(s) from docker-compose.yml; ports are published on 127.0.0.1 only');
  });

  it('a Compose file\'s profiled services are left out, working_dir carries over, a kept-open shell is pointed out', () => {
    const p = propose(folder({
      'docker-compose.yml': `
services:
  db:
    image: postgres:15
    environment: { POSTGRES_PASSWORD: secret }
  db_test:
    image: postgres:15
    profiles: [test]
    environment: { POSTGRES_PASSWORD: secret }
  backend:
    build: .
    working_dir: /app
    stdin_open: true
    tty: true
    depends_on: [db, db_test]
`,
      'package.json': JSON.stringify({ scripts: { 'db:migrate': 'drizzle-kit migrate' }, dependencies: { 'drizzle-orm': '0.40', pg: '8' }, devDependencies: { 'drizzle-kit': '0.30' } }),
      'drizzle.config.ts': "export default defineConfig({ out: './src/db/migrations', dialect: 'postgresql' });",
      'src/db/migrations/0000_init.sql': '',
    }));
    const d = parse(p.text) as Record<string, any>;
    expect(Object.keys(d.services)).toEqual(['db', 'backend']);
    expect(d.services.backend).toMatchObject({ working_dir: '/app', depends_on: ['db'] });
    expect(p.notes).toContain('db_test: left out: Compose starts it only with --profile test; add it to devenv.yml if everyday work needs it');
    expect(p.notes.find((n) => n.startsWith('backend: Compose keeps it open'))).toContain('`devenv exec backend sh` opens a shell');
    // The db:migrate script runs drizzle-kit: what it reads are its inputs, so a code edit that rebuilds the image skips it.
    expect(d.migrations).toEqual([{ name: 'migrate', run: 'npm run db:migrate', service: 'backend', inputs: ['src/db/migrations', 'drizzle.config.ts', 'package.json'] }]);
  });

  it('an env file written for the host (localhost) read by a container: its database settings set in env from the database', () => {
    const p = propose(folder({
      'docker-compose.yml': `
services:
  database:
    image: postgres:15
    environment: { POSTGRES_PASSWORD: secret }
  api:
    build: .
    env_file: [{ path: ./.env, required: true }]
    depends_on: [database]
`,
      '.env': 'DATABASE_HOST=localhost\nDATABASE_PORT=5432\nDATABASE_USER=postgres\nDATABASE_PASSWORD="secret"\nDATABASE_NAME=app\nJWT_SECRET=dev\n',
    }));
    const d = parse(p.text) as Record<string, any>;
    expect(d.services.api.env).toEqual({ DATABASE_HOST: '${database.host}', DATABASE_PORT: '${database.port}', DATABASE_USER: '${database.user}', DATABASE_PASSWORD: '${database.password}', DATABASE_NAME: '${database.database}' });
    // Compose's long form of env_file becomes the paths devenv.yml takes.
    expect(d.services.api.env_file).toEqual(['./.env']);
    expect(p.notes).toContain('api: ./.env points at localhost, which inside a container is the container itself: DATABASE_HOST, DATABASE_PORT, DATABASE_USER, DATABASE_PASSWORD, DATABASE_NAME set in env from database (env wins over env_file)');
  });

  it('a migrate one-off kept under a Compose profile is still the migration step', () => {
    const d = parse(propose(folder({
      'docker-compose.yml': `
services:
  db:
    image: postgres:15
    environment: { POSTGRES_PASSWORD: secret }
  app:
    build: .
    depends_on: [db]
  migrate:
    build: .
    command: npm run migrate
    profiles: [tools]
    depends_on: [db]
`,
    })).text) as Record<string, any>;
    expect(d.migrations).toEqual([expect.objectContaining({ run: 'npm run migrate' })]);
  });

  it('drizzle-kit: its migrate command, or the script that runs it, with the out folder it writes as inputs on the host', () => {
    const files = {
      'package.json': JSON.stringify({ scripts: { dev: 'tsx watch src/index.ts' }, dependencies: { 'drizzle-orm': '0.40', pg: '8' }, devDependencies: { 'drizzle-kit': '0.30' } }),
      'drizzle.config.ts': "export default defineConfig({ out: './src/db/migrations', dialect: 'postgresql' });",
      'src/db/migrations/0000_init.sql': '',
    };
    expect(doc(files).migrations).toEqual([{ name: 'migrate', process: 'npx drizzle-kit migrate', env: { DATABASE_URL: '${db.url}' }, inputs: ['src/db/migrations', 'drizzle.config.ts'] }]);
    const pkg = JSON.parse(files['package.json']) as { scripts: Record<string, string> };
    pkg.scripts['migration:run'] = 'drizzle-kit migrate';
    // A script that is the tool's command reads what the tool reads, and package.json (the script itself).
    expect(doc({ ...files, 'package.json': JSON.stringify(pkg) }).migrations[0]).toMatchObject({ process: 'npm run migration:run', inputs: ['src/db/migrations', 'drizzle.config.ts', 'package.json'] });
    // One that does more (generates, then migrates) could read anything: no inputs.
    pkg.scripts['migration:run'] = 'drizzle-kit generate && drizzle-kit migrate';
    expect(doc({ ...files, 'package.json': JSON.stringify(pkg) }).migrations[0]).not.toHaveProperty('inputs');
  });

  it('a URL is left as written when the database\'s password is a variable', () => {
    const p = propose(folder({
      'docker-compose.yml': `
services:
  db:
    image: postgres:15
    environment: { POSTGRES_PASSWORD: "\${PGPASS:-x}", POSTGRES_DB: app }
  app:
    image: node:20
    environment: { DATABASE_URL: "postgres://postgres:x@db:5432/app" }
`,
    }));
    expect((parse(p.text) as Record<string, any>).services.app.env.DATABASE_URL).toBe('postgres://postgres:x@db:5432/app');
  });

  it('a one-off Compose service that migrates or seeds in the app\'s image becomes a migration step; others stay services', () => {
    const p = propose(folder({
      'docker-compose.yml': `
services:
  db:
    image: postgres:15
  seed:
    build: .
    command: npm run seed
    environment: { DATABASE_URL: postgres://postgres@db/app }
    depends_on: { migration: { condition: service_completed_successfully } }
  migration:
    build: .
    command: ["npx", "knex", "migrate:latest"]
    depends_on: [db]
  app:
    build: .
    ports: ["3000:3000"]
    environment: { DATABASE_URL: postgres://postgres@db/app }
    depends_on:
      db: { condition: service_healthy }
      migration: { condition: service_completed_successfully }
      seed: { condition: service_completed_successfully }
  report:
    build: .
    command: npm run seed-report
    environment: { REPORT_TO: ops }
  legacy:
    build: ./legacy
    command: npm run migrate
`,
    }));
    const d = parse(p.text) as Record<string, any>;
    // In the order they wait for each other; a seed runs once per new database.
    expect(d.migrations).toEqual([
      { name: 'migration', run: ['npx', 'knex', 'migrate:latest'], service: 'app' },
      { name: 'seed', run: 'npm run seed', service: 'app', when: 'fresh' },
    ]);
    expect(Object.keys(d.services)).toEqual(['db', 'app', 'report', 'legacy']);
    expect(d.services.app.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    // Env the app lacks, or another image: the service stays.
    expect(d.services.report.command).toBe('npm run seed-report');
    expect(d.services.legacy.build).toBe('./legacy');
    expect(p.notes).toContain("migration migration: Compose's one-off `migration` service, run in app's image before the other services start, skipped while nothing it runs with changed");
    expect(p.notes).toContain('imported 4 service(s) and 2 migration step(s) from docker-compose.yml; ports are published on 127.0.0.1 only');
  });

  it('init files mounted into /docker-entrypoint-initdb.d become postgres.init; anonymous volumes named ones; variable ports a note', () => {
    const files: Record<string, string> = {
      'docker-compose.yml': `
services:
  db:
    image: postgres:15
    volumes:
      - pgdata:/var/lib/postgresql/data
      - ./db/roles.sql:/docker-entrypoint-initdb.d/0-roles.sql
      - ./initdb/:/docker-entrypoint-initdb.d/
  app:
    build: .
    ports: ['\${PORT}:\${PORT}', "3000:3000"]
    volumes: [".:/app", "/app/node_modules"]
volumes: { pgdata: {} }
`,
      'db/roles.sql': '', 'initdb/b.sh': '', 'initdb/a.sql': '', 'initdb/README.md': '',
    };
    const p = propose({ ...folder(files), files: (d) => Object.keys(files).filter((f) => f.startsWith(`${d}/`)).map((f) => f.slice(d.length + 1)) });
    const d = parse(p.text) as Record<string, any>;
    expect(d.services.db.postgres.init).toEqual(['./db/roles.sql', './initdb/a.sql', './initdb/b.sh']);
    expect(d.services.app.volumes).toEqual(['.:/app', 'app-app-node_modules:/app/node_modules']);
    expect(d.services.app.ports).toEqual(['3000:3000']);
    expect(p.notes).toContain('db: init files ./db/roles.sql, ./initdb/a.sql, ./initdb/b.sh (Compose mounted them into /docker-entrypoint-initdb.d), run once on a new volume');
    expect(p.notes).toContain('app: port "${PORT}:${PORT}" left out (init reads one container port: a number, or a variable set in the environment or .env): add it under `ports` as "HOST:CONTAINER"');
    expect(p.notes).toContain('app: the anonymous volume /app/node_modules is the named volume app-app-node_modules (kept by `down`, removed by `down --volumes`)');
  });

  it('ports and Postgres names from variables: kept as variables, with defaults where unset would be empty, and a note naming what is unset', () => {
    const files: Record<string, string> = {
      'docker-compose.yml': `
services:
  postgres:
    image: postgres:15
    ports: ["\${DATABASE_PORT}:5432"]
    environment:
      POSTGRES_DB: \${DATABASE_NAME}
      POSTGRES_USER: \${DATABASE_USERNAME:-app}
      POSTGRES_PASSWORD: \${DATABASE_PASSWORD}
      # COMMENTED_OUT: \${NOT_A_VARIABLE_HERE}
      SECRET: \${JWT_SECRET:?set it in .env}
  api:
    build: .
    ports: ["\${APP_PORT}:\${APP_PORT}", "\${MAIL_CLIENT_PORT}:1080", "\${DEBUG_PORT:-9229}:9229", "127.0.0.1:\${X_PORT:-8080}:80"]
`,
      'env-example-relational': 'APP_PORT=3000\n',
    };
    const env: Record<string, string> = { APP_PORT: '3000' };
    const p = propose({ ...folder(files), files: () => Object.keys(files), env: (name) => env[name] });
    const d = parse(p.text) as Record<string, any>;
    expect(d.services.postgres.postgres).toMatchObject({ database: '${DATABASE_NAME:-my-shop}', user: '${DATABASE_USERNAME:-app}', password: '${DATABASE_PASSWORD}', port: '${DATABASE_PORT:-0}' });
    expect(d.services.api.ports).toEqual(['${APP_PORT:-0}:3000', '${MAIL_CLIENT_PORT:-0}:1080', '${DEBUG_PORT:-9229}:9229', '${X_PORT:-8080}:80']);
    expect(p.notes).toContain('api: container ports 3000, 1080 published on a free 127.0.0.1 port unless its variable is set (`devenv ps` shows it)');
    expect(p.notes).toContain('docker-compose.yml uses variables set neither in the environment nor in .env: DATABASE_NAME, DATABASE_PASSWORD, DATABASE_PORT, JWT_SECRET, MAIL_CLIENT_PORT; devenv.yml keeps them (a Postgres database or user among them has devenv\'s default until it is set). env-example-relational looks like the example to copy to .env');
  });

  it('init files in the order Postgres runs them (by their names in initdb.d); a worker that migrates first stays a service', () => {
    const d = doc({
      'docker-compose.yml': `
services:
  db:
    image: postgres:15
    volumes:
      - ./sql/schema.sql:/docker-entrypoint-initdb.d/20-schema.sql
      - ./sql/roles.sql:/docker-entrypoint-initdb.d/10-roles.sql
  web:
    build: .
    ports: ["3000:3000"]
  worker:
    build: .
    command: sh -c "npx prisma migrate deploy && node worker.js"
    restart: unless-stopped
  jobs:
    build: .
    command: npx prisma migrate deploy
`,
    });
    expect(d.services.db.postgres.init).toEqual(['./sql/roles.sql', './sql/schema.sql']);
    // Restarted by Compose, or neither named for it nor waited for: not a one-off.
    expect(Object.keys(d.services)).toEqual(['db', 'web', 'worker', 'jobs']);
    expect(d.migrations).toBeUndefined();
  });

  it('says which Postgres image devenv will run, mentions a healthcheck only when there is one, and names dropped links', () => {
    const p = propose(folder({
      'docker-compose.yml': `
services:
  db:
    image: postgres:13-alpine
  api:
    build: .
    links: [db]
`,
    }));
    expect(p.notes).toContain('db: a postgres: service, postgres:13 (Compose ran postgres:13-alpine; set `image: postgres:13-alpine` under `postgres` to keep that variant)');
    expect(p.notes).toContain('api: its links are left out: every service reaches the others by name on the project network');
    expect(p.notes.join('\n')).not.toContain('healthcheck');
  });

  it('an empty folder gets a placeholder to edit, and the file points at the published schema', () => {
    const p = propose(folder({}));
    expect(p.text.split('\n')[0]).toBe('# yaml-language-server: $schema=https://unpkg.com/devenv-up/schemas/devenv.schema.json');
    expect(p.notes.at(-1)).toContain('placeholder');
  });
});
