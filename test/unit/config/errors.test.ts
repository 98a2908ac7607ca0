import { describe, expect, it } from 'vitest';
import { loadError, problems } from './helpers.js';

describe('problem messages', () => {
  it('points at the value with line:column, expected and got', async () => {
    const yaml = `services:
  app:
    image: node:20
    port: "30o0"
`;
    const error = await loadError(yaml);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('devenv.yml:4:11 services.app.port: expected a port number 1-65535, got "30o0"');
    expect(error.details).toEqual([]);
    expect(error.hint).toMatch(/devenv\.yml reference/);
  });

  it('collects every problem into one error, in source order', async () => {
    const yaml = `services:
  app:
    image: node:20
    prots: [3000]
    restart: sometimes
  db:
    postgres:
      versoin: 15
migrations:
  - run: x
    service: app
`;
    const error = await loadError(yaml);
    expect(error.message).toBe('devenv.yml has 4 problems');
    expect(error.details).toEqual([
      'devenv.yml:4:5 services.app.prots: unknown field "prots" — did you mean "ports"?',
      'devenv.yml:5:14 services.app.restart: expected one of no, on-failure, always, got "sometimes"',
      'devenv.yml:8:7 services.db.postgres.versoin: unknown field "versoin" — did you mean "version"?',
      'devenv.yml:10:5 migrations[0].name: expected a step name, got nothing',
    ]);
  });

  it('lists the accepted fields when no near one exists', async () => {
    expect(await problems('services:\n  a:\n    image: x\n    health: { zzz: 1, http: /x }\n')).toContain(
      'devenv.yml:4:15 services.a.health.zzz: unknown field "zzz"; expected one of http, port, tcp, command, interval, timeout',
    );
  });

  it('names the file relative to the working directory', async () => {
    const { tempProject } = await import('./helpers.js');
    const { loadProject } = await import('../../../src/config/load-project.js');
    const dir = tempProject({ 'sub/devenv.yaml': 'services: []\n' });
    const error = await loadProject({ cwd: dir, file: 'sub/devenv.yaml', env: {}, persistSecrets: false }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: 'sub/devenv.yaml:1:11 services: expected a map of services, got a list' });
  });

  it('reports wrong types with human words', async () => {
    const yaml = `version: 2
name: My App
services:
  app:
    image: [node]
    env: [A=1]
    depends_on: db
    max_restarts: -1
    restart: on-failure
`;
    expect(await problems(yaml)).toEqual([
      'devenv.yml:1:10 version: expected 1 (the only format version), got 2',
      'devenv.yml:2:7 name: expected a name of lowercase letters, digits, "_" and "-" that starts with a letter or digit, got "My App"',
      'devenv.yml:5:12 services.app.image: expected an image reference such as "redis:7", got a list',
      'devenv.yml:6:10 services.app.env: expected a map of environment variables, got a list',
      'devenv.yml:7:17 services.app.depends_on: expected a list of service names, or a map of service name → { condition }, got "db"',
      'devenv.yml:8:19 services.app.max_restarts: expected a whole number ≥ 0, got -1',
    ]);
  });

  it('names a misspelt kind of service instead of saying it has none', async () => {
    expect(await problems('services:\n  api:\n    proces: npm run dev\n')).toEqual([
      'devenv.yml:3:5 services.api.proces: unknown field "proces" — did you mean "process"? A service needs "postgres", "image"/"build" or "process"',
    ]);
  });

  it('explains services that are neither or both kinds, and bad service names', async () => {
    const yaml = `services:
  web:
    command: npm start
  db:
    postgres: {}
    image: postgres:16
  Bad_Name:
    image: x
  list: [1, 2]
`;
    expect(await problems(yaml)).toEqual([
      'devenv.yml:2:3 services.web: a service needs "postgres" (a Postgres database), "image"/"build" (a container) or "process" (a command on the host); it has none',
      'devenv.yml:6:5 services.db.image: a service is one of a Postgres database (postgres), a container (image or build) or a host process (process); this one has both "postgres" and "image"',
      'devenv.yml:7:3 services.Bad_Name: expected a service name of lowercase letters, digits, "_" and "-" that starts with a letter or digit, got "Bad_Name"',
      'devenv.yml:9:9 services.list: expected a map with postgres, image, build or process, got a list',
    ]);
  });

  it('rejects fields that belong to the other kind of service', async () => {
    expect(await problems('services:\n  db:\n    postgres: {}\n    ports: [5432]\n')).toEqual([
      'devenv.yml:4:5 services.db.ports: unknown field "ports": a Postgres service publishes one port: set postgres.port (0 picks any free one)',
    ]);
    expect(await problems('services:\n  db:\n    postgres: {}\n    health: { command: [pg_isready] }\n')).toEqual([
      'devenv.yml:4:15 services.db.health.command: unknown field "command"; expected one of timeout',
    ]);
  });

  it('reports an unknown field inside a build map rather than "expected a folder"', async () => {
    expect(await problems('services:\n  a:\n    build: { contxt: . }\n')).toEqual([
      'devenv.yml:3:14 services.a.build.contxt: unknown field "contxt" — did you mean "context"?',
    ]);
  });

  it('requires services, with at least one', async () => {
    expect(await problems('name: x\n')).toEqual(['devenv.yml:1:1 services: expected a map of services, got nothing']);
    expect(await problems('services: {}\n')).toEqual(['devenv.yml:1:11 services: expected at least one service, got none']);
  });

  it('rejects duplicate keys with their position', async () => {
    expect(await problems('services:\n  a:\n    image: x\n  a:\n    image: y\n')).toEqual([
      'devenv.yml:4:3 duplicate key: each key may appear only once in a map',
    ]);
  });

  it('reports YAML syntax errors with line and column', async () => {
    const [line] = await problems('services:\n  a:\n    image: "unterminated\n');
    expect(line).toMatch(/^devenv\.yml:4:1 invalid YAML: Missing closing "quote$/);
    const [tab] = await problems('services:\n\ta: {}\n');
    expect(tab).toBe('devenv.yml:2:1 invalid YAML: Tabs are not allowed as indentation');
  });

  it('checks durations, health shape and ports with messages', async () => {
    const yaml = `services:
  a:
    image: x
    ports: ["0.0.0.0:80:80", "70000", "1-3", "80/sctp"]
    health: { tcp: 80, http: /x, interval: 5x }
  b:
    image: x
    health: { http: /x }
  c:
    image: x
    port: 80
    ports: [81]
    health: { interval: 1s }
`;
    const error = await loadError(yaml);
    expect(error.details).toEqual([
      'devenv.yml:4:13 services.a.ports[0]: expected host IP 127.0.0.1 or localhost, got "0.0.0.0:80:80"',
      '  hint: devenv publishes ports on 127.0.0.1 only: write "80:80" or "127.0.0.1:80:80"',
      'devenv.yml:4:30 services.a.ports[1]: expected a port number 1-65535, got "70000"',
      'devenv.yml:4:39 services.a.ports[2]: expected a port number 1-65535, got "1-3"',
      'devenv.yml:4:46 services.a.ports[3]: expected a port such as 3000, "8080:80", "127.0.0.1:8080:80" or "53/udp" (protocol tcp or udp), got "80/sctp"',
      'devenv.yml:5:13 services.a.health: a health check has one of http, tcp or command, not http and tcp',
      'devenv.yml:5:44 services.a.health.interval: expected a duration such as 500ms, 5s or 2m, got "5x"',
      'devenv.yml:8:21 services.b.health.http: an http health check needs a port: publish one with port/ports or set health.port',
      'devenv.yml:11:5 services.c.port: use either port or ports, not both',
      'devenv.yml:13:13 services.c.health: a health check needs one of http, tcp or command',
    ]);
  });
});
