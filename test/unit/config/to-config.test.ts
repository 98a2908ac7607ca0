/** `devenv config` prints devenv.yml that loads back to the same project. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../../src/config/load-project.js';
import { projectToConfig } from '../../../src/config/to-config.js';
import { tempProject } from './helpers.js';

const rich = `name: shop
services:
  db:
    postgres: { version: 16, database: shop, user: me, password: "pa$$word", port: 5433, init: ./init.sql }
    aliases: [postgres]
    restart: always
    command: ["-c", "fsync=off"]
  cache: { image: redis:7, volumes: ["data:/data:ro"] }
  setup: { image: "\${web.image}", oneshot: true, command: node setup.js }
  web:
    build: { context: ., target: dev, args: { NODE: 20 } }
    ports: ["0:3000", "9229", "53/udp"]
    env: { DATABASE_URL: "\${db.url}", PRICE: "$$5", HOST: "\${db.host}:\${db.port}" }
    env_file: .env.web
    health: { http: /health, interval: 250ms, timeout: 90s }
    depends_on: { setup: { condition: service_completed_successfully }, cache: { condition: service_started } }
    restart: on-failure
    max_restarts: 4
    stop_timeout: 1.5s
    volumes: ["./src:/app/src"]
migrations:
  - { name: schema, sql: ./db, database: db }
  - { name: seed, run: "npm run seed", service: web }
`;

describe('projectToConfig', () => {
  it('round-trips: the printed file loads to the same project', async () => {
    const dir = tempProject({ 'devenv.yml': rich, 'init.sql': '', Dockerfile: '', 'db/': '', 'src/': '', '.env.web': 'FROM_FILE=yes\n' });
    const project = await loadProject({ cwd: dir, env: {}, persistSecrets: false });
    writeFileSync(path.join(dir, 'printed.yml'), stringify(projectToConfig(project, { showSecrets: true })));
    const again = await loadProject({ cwd: dir, file: 'printed.yml', env: {}, persistSecrets: false });
    expect({ ...again, file: project.file }).toEqual(project);
  });

  it('writes a password taken from variables as it was written, so it round-trips without showing it', async () => {
    const dir = tempProject({ 'devenv.yml': 'services:\n  db: { postgres: { password: "${DB_PASSWORD:-}" } }\n' });
    const project = await loadProject({ cwd: dir, env: { DB_PASSWORD: 'from-env' }, persistSecrets: false });
    expect(projectToConfig(project, { showSecrets: false })).toMatchObject({ services: { db: { postgres: { password: '${DB_PASSWORD:-}' } } } });
  });

  it('masks a password unless asked, and leaves out a generated one', async () => {
    const dir = tempProject({ 'devenv.yml': 'services:\n  db: { postgres: { password: hunter2 } }\n  gen: { postgres: {} }\n' });
    const printed = projectToConfig(await loadProject({ cwd: dir, env: {}, persistSecrets: false }), { showSecrets: false });
    expect(printed).toMatchObject({ services: { db: { postgres: { password: '****' } } } });
    expect((printed.services as Record<string, { postgres: object }>).gen!.postgres).not.toHaveProperty('password');
  });
});
