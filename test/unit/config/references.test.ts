import { describe, expect, it } from 'vitest';
import { connectionValues, renderTemplate, resolveEnv } from '../../../src/config/references.js';
import { container, loadYaml, postgres, problems } from './helpers.js';

const yaml = `name: shop
services:
  db:
    postgres: { user: "app user", password: "p@ss/w:rd", database: orders, port: 5433 }
  app:
    image: x
    env:
      DATABASE_URL: \${db.url}
      PGHOST: \${db.host}
      PGPORT: \${db.port}
      PGUSER: \${db.user}
      PGPASSWORD: \${db.password}
      PGDATABASE: \${db.database}
      MIXED: "host=\${db.host} port=\${db.port} $$literal"
`;

describe('references', () => {
  it('keeps references structured in the project', async () => {
    const project = await loadYaml(yaml);
    expect(container(project, 'app').env.MIXED).toEqual(['host=', { service: 'db', field: 'host' }, ' port=', { service: 'db', field: 'port' }, ' $literal']);
  });

  it('renders connection values inside the network and on the host', async () => {
    const project = await loadYaml(yaml);
    const app = container(project, 'app');
    expect(resolveEnv(project, app, 'network')).toEqual({
      DATABASE_URL: 'postgres://app%20user:p%40ss%2Fw%3Ard@db:5432/orders',
      PGHOST: 'db',
      PGPORT: '5432',
      PGUSER: 'app user',
      PGPASSWORD: 'p@ss/w:rd',
      PGDATABASE: 'orders',
      MIXED: 'host=db port=5432 $literal',
    });
    expect(resolveEnv(project, app, 'host', { db: 49153 })).toMatchObject({
      DATABASE_URL: 'postgres://app%20user:p%40ss%2Fw%3Ard@127.0.0.1:49153/orders',
      PGHOST: '127.0.0.1',
      PGPORT: '49153',
    });
    expect(connectionValues(postgres(project, 'db'), 'host').port).toBe('5433');
    expect(renderTemplate(['a', { service: 'db', field: 'user' }, 'b'], (ref) => `<${ref.field}>`)).toBe('a<user>b');
  });

  it('reports unknown services, unknown fields and non-Postgres targets', async () => {
    const bad = `services:
  db: { postgres: {} }
  cache: { image: redis }
  app:
    image: x
    env:
      A: \${db.uri}
      B: \${db.nope}
      C: \${cache.url}
      D: \${ghost.url}
`;
    expect(await problems(bad)).toEqual([
      'devenv.yml:7:10 services.app.env.A: ${db.uri}: unknown field "uri" — did you mean "url"?',
      'devenv.yml:8:10 services.app.env.B: ${db.nope}: unknown field "nope" — expected one of url, host, port, user, password, database',
      'devenv.yml:9:10 services.app.env.C: ${cache.url}: references are to Postgres services, and "cache" is a container service',
      'devenv.yml:10:10 services.app.env.D: ${ghost.url} refers to an unknown service "ghost"',
    ]);
  });

  it('reports wrong names along with a wrong shape elsewhere, so one run shows every problem', async () => {
    const bad = `services:
  db: { postgres: { databse: shop } }
  app:
    image: x
    env:
      A: \${dbb.url}
      B: \${db.uri}
    depends_on: [cache, db]
migrations:
  - { name: seed, run: node seed.js, service: ap }
  - { name: schema, sql: ./sql, database: db }
`;
    expect(await problems(bad)).toEqual([
      'devenv.yml:2:21 services.db.postgres.databse: unknown field "databse" — did you mean "database"?',
      'devenv.yml:6:10 services.app.env.A: ${dbb.url} refers to an unknown service "dbb"',
      'devenv.yml:7:10 services.app.env.B: ${db.uri}: unknown field "uri" — did you mean "url"?',
      'devenv.yml:8:18 services.app.depends_on[0]: unknown service "cache"; the services are db, app',
      'devenv.yml:10:47 migrations[0].service: unknown service "ap" — did you mean "app"?',
    ]);
  });

  it('allows references only in env values', async () => {
    const bad = 'services:\n  db: { postgres: {} }\n  app: { image: "${db.host}", command: "echo ${db.url}" }\n';
    expect(await problems(bad)).toEqual([
      'devenv.yml:3:17 services.app.image: the reference ${db.host} is only allowed in env values; in image, ${service.image} names another service\'s built image',
      'devenv.yml:3:40 services.app.command: the reference ${db.url} is only allowed in env values (and ${service.image} in image)',
    ]);
  });
});
