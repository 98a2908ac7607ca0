/**
 * The zod schema of devenv.yml, after interpolation. It checks shapes and types; values that need
 * parsing (ports, durations, volumes) are checked by the normaliser, which owns their messages.
 * Every schema carries its own "expected …" message: the loader appends ", got <value>".
 */
import * as z from 'zod';

// devenv validates one file once: compiling a fast parser for it (zod's default JIT) costs more than it saves.
z.config({ jitless: true });

import { NAME_PATTERN } from './name-pattern.js';

export { NAME_PATTERN };
const NAME_EXPECTED = 'a name of lowercase letters, digits, "_" and "-" that starts with a letter or digit';

const text = (expected: string) => z.string({ error: `expected ${expected}` }).min(1, { error: `expected ${expected}` });
const oneOrMany = (expected: string) =>
  z.union([text(expected), z.array(text(expected), { error: `expected ${expected} or a list of them` })], {
    error: `expected ${expected} or a list of them`,
  });
const command = (what: string) =>
  z.union([text('a command'), z.array(z.string({ error: 'expected a string' }), { error: 'expected a list' }).min(1, { error: 'expected at least one word' })], {
    error: 'expected a command string or a list of words',
  }).meta({ description: `${what}: a string (run by sh -c) or a list of words.` });
const port = (expected: string, description: string) =>
  z.union([z.number({ error: `expected ${expected}` }), z.string({ error: `expected ${expected}` })], { error: `expected ${expected}` })
    .meta({ description });
const duration = (description: string) =>
  z.union([z.number({ error: 'expected a duration' }), z.string({ error: 'expected a duration' })], {
    error: 'expected a duration such as 500ms, 5s or 2m',
  }).meta({ description: `${description} A number of seconds or a string such as 500ms, 5s, 2m.` });

export const serviceName = z.string().regex(NAME_PATTERN, { error: `expected ${NAME_EXPECTED}` });

export const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'] as const;
const dependsOn = z.union([
  z.array(text('a service name'), { error: 'expected a list of service names' }),
  z.record(z.string(), z.union([
    z.null(),
    z.strictObject({
      condition: z.enum(CONDITIONS, { error: `expected one of ${CONDITIONS.join(', ')}` }).optional()
        .meta({ description: 'What to wait for; default service_started, as in Compose.' }),
      required: z.boolean({ error: 'expected true or false' }).optional().meta({ description: 'Accepted for Compose files; must be true.' }),
      restart: z.boolean({ error: 'expected true or false' }).optional().meta({ description: 'Accepted for Compose files; devenv ignores it.' }),
    }, { error: 'expected a map with condition' }),
  ]), { error: 'expected a map of service names' }),
], { error: 'expected a list of service names, or a map of service name → { condition }' })
  .meta({ description: 'Services started first: a list (each started and healthy, or completed for a one-shot), or a map with Compose conditions.' });

const aliases = z.array(z.string().regex(NAME_PATTERN, { error: `expected ${NAME_EXPECTED}` }), { error: 'expected a list of names' })
  .meta({ description: 'More names other containers reach this service by (network aliases), e.g. [postgres].' });
const restart = z.enum(['no', 'on-failure', 'always'], { error: 'expected one of no, on-failure, always' })
  .meta({ description: 'Restart policy; default no.' });
const maxRestarts = z.union([
  z.int({ error: 'expected a whole number ≥ 0' }).min(0, { error: 'expected a whole number ≥ 0' }),
  z.string().regex(/^\d+$/, { error: 'expected a whole number ≥ 0' }),
], { error: 'expected a whole number ≥ 0' }).meta({ description: 'With restart: on-failure; 0 (the default) is unlimited.' });
const stopTimeout = duration('How long a stop waits after SIGTERM before it kills; default 10s.');

const postgresOptions = z.strictObject({
  version: z.union([text('a Postgres version'), z.number()], { error: 'expected a Postgres version such as "15"' })
    .meta({ description: 'Postgres major version; the image is postgres:<version>. Default "15".' }),
  image: text('an image reference').meta({ description: "Another image honouring the official postgres image's contract." }),
  database: text('a database name').meta({ description: 'Database created on first start (POSTGRES_DB). Default: the project name.' }),
  user: text('a user name').meta({ description: 'POSTGRES_USER. Default "postgres".' }),
  password: z.union([z.string(), z.number()], { error: 'expected a password string' })
    .meta({ description: 'An empty or missing password is generated once and kept in .devenv/secrets.json.' }),
  port: port('a port number 0-65535', 'Host port on 127.0.0.1; 0 (the default) picks a free one.'),
  init: oneOrMany('a file path').meta({ description: 'SQL or shell files run once, when the data volume is new.' }),
}).partial();

export const postgresServiceSchema = z.strictObject({
  postgres: z.union([postgresOptions, z.null()], { error: 'expected a map of Postgres settings' })
    .meta({ title: 'Postgres', description: 'A typed Postgres service.' }),
  health: z.strictObject({ timeout: duration('How long to wait for Postgres to accept a connection; default 60s.').optional() }, {
    error: 'expected a map with timeout',
  }).optional(),
  command: command("The server's command; a list starting with \"-\" adds flags to postgres, e.g. [\"-c\", \"fsync=off\"]").optional(),
  depends_on: dependsOn.optional(),
  aliases: aliases.optional(),
  restart: restart.optional(),
  max_restarts: maxRestarts.optional(),
  stop_timeout: stopTimeout.optional(),
}).meta({ title: 'Postgres service' });

const buildObject = z.strictObject({
  context: text('a folder path').optional().meta({ description: 'Build context folder, relative to devenv.yml. Default ".".' }),
  dockerfile: text('a file path').optional().meta({ description: 'Dockerfile path relative to the context. Default "Dockerfile".' }),
  target: text('a build stage name').optional(),
  args: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' }), {
    error: 'expected a map of build arguments',
  }).optional(),
});

const health = z.strictObject({
  http: text('a path such as /health').optional().meta({ description: 'GET this path from the host; 2xx/3xx is healthy.' }),
  port: port('a port number 1-65535', 'Container port for the http check; default the first port.').optional(),
  tcp: port('a port number 1-65535', 'Container port that must accept a TCP connection.').optional(),
  command: command('Run inside the container; exit 0 is healthy').optional(),
  interval: duration('Time between checks; default 100ms, backing off to 1 s.').optional(),
  timeout: duration('Deadline for the service to become healthy; default 60s.').optional(),
}, { error: 'expected a map with http, tcp or command' });

export const containerServiceSchema = z.strictObject({
  image: text('an image reference such as "redis:7"').optional()
    .meta({ description: 'Image to pull; with build, the tag of the built image.' }),
  build: z.union([text('a folder path'), buildObject], { error: 'expected a folder path or a map with context, dockerfile, target, args' }).optional()
    .meta({ description: 'A context folder or { context, dockerfile, target, args } (paths relative to devenv.yml).' }),
  command: command("Default: the image's CMD").optional(),
  port: port('a port number 1-65535', 'One port: 3000 (same port on 127.0.0.1) or "8080:80".').optional(),
  ports: z.array(port('a port such as 3000, "8080:80" or "127.0.0.1:8080:80"', 'A published port.'), { error: 'expected a list of ports' }).optional()
    .meta({ description: 'Published on 127.0.0.1 only: 3000, "8080:80", "127.0.0.1:8080:80", "0:80", "53/udp".' }),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' }), {
    error: 'expected a map of environment variables',
  }).optional().meta({ description: 'Environment; values may use ${VAR} and references such as ${db.url}.' }),
  env_file: oneOrMany('a file path').optional().meta({ description: 'Files of KEY=value lines; values in env win.' }),
  health: health.optional().meta({ description: '{ http: /path, port? }, { tcp: port } or { command: [...] }, plus interval and timeout. Default: tcp on the first port.' }),
  oneshot: z.boolean({ error: 'expected true or false' }).optional()
    .meta({ description: 'The service runs to completion (a worker, an asset build): exit 0 is success and dependants start after it.' }),
  depends_on: dependsOn.optional(),
  aliases: aliases.optional(),
  restart: restart.optional(),
  max_restarts: maxRestarts.optional(),
  volumes: z.array(text('a volume such as "./src:/app/src" or "data:/data"'), { error: 'expected a list of volumes' }).optional()
    .meta({ description: '"./host/path:/container/path[:ro]" or "name:/container/path" (a named volume).' }),
  stop_timeout: stopTimeout.optional(),
}).meta({ title: 'Container service' });

const envMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' }), {
  error: 'expected a map of environment variables',
}).meta({ description: 'Environment; values may use ${VAR} and references such as ${db.url} (resolved for the host: 127.0.0.1 and the published port).' });

export const processServiceSchema = z.strictObject({
  process: command('The command run on the host (not in a container)')
    .meta({ title: 'Host process', description: 'A command run on the host under devenv\'s supervisor: a string (sh -c) or a list.' }),
  cwd: text('a folder path').optional().meta({ description: 'Working folder, relative to devenv.yml; default its folder.' }),
  port: port('a port number 1-65535', 'The host port the process listens on: the summary URL, the default tcp health check, a port check before start.').optional(),
  env: envMap.optional(),
  env_file: oneOrMany('a file path').optional().meta({ description: 'Files of KEY=value lines; values in env win.' }),
  health: health.optional().meta({ description: '{ http: /path }, { tcp: port } or { command: [...] } (run on the host), plus interval and timeout. Default: tcp on port.' }),
  oneshot: z.boolean({ error: 'expected true or false' }).optional()
    .meta({ description: 'The process runs to completion: exit 0 is success and dependants start after it.' }),
  depends_on: dependsOn.optional(),
  restart: restart.optional(),
  max_restarts: maxRestarts.optional(),
  stop_timeout: stopTimeout.optional(),
}).meta({ title: 'Host process service' });

export const migrationSchema = z.strictObject({
  name: text('a step name').meta({ description: 'Unique name of the step.' }),
  run: command('Command run in a one-off container of `service`').optional(),
  service: text('a service name').optional().meta({ description: 'The container service whose image and env run the step.' }),
  sql: text('a folder path').optional().meta({ description: 'A folder of .sql files applied in lexical order.' }),
  process: command('Command run on the host').optional(),
  cwd: text('a folder path').optional().meta({ description: 'With process: the working folder, relative to devenv.yml.' }),
  env: envMap.optional(),
  database: text('a service name').optional()
    .meta({ description: 'The Postgres service the sql files are applied to; for a `when: fresh` step, the database whose freshness counts (default: the only one).' }),
  when: z.enum(['always', 'fresh'], { error: 'expected always or fresh' }).optional()
    .meta({ description: 'always (the default): on every up, the step skipping what it applied. fresh: once per database (a seed): on a new or reset database.' }),
}, { error: 'expected a map with name and run+service, process, or sql+database' });

const topLevel = {
  version: z.union([z.literal(1), z.literal('1')], { error: 'expected 1 (the only format version)' }).optional()
    .meta({ description: 'Format version; the only version is 1.' }),
  name: z.string({ error: `expected ${NAME_EXPECTED}` }).regex(NAME_PATTERN, { error: `expected ${NAME_EXPECTED}` }).optional()
    .meta({ description: "Project name; default the folder's name, normalised to [a-z0-9_-]." }),
  migrations: z.array(migrationSchema, { error: 'expected a list of migration steps' }).optional()
    .meta({ description: 'Steps run in order before the other services start.' }),
};

/** What the loader validates first; each service is then validated by its own kind. */
export const topLevelSchema = z.strictObject({
  ...topLevel,
  services: z.record(z.string(), z.unknown(), { error: 'expected a map of services' }),
}, { error: 'expected a map with services' });

/** The whole file, as published in schemas/devenv.schema.json. */
export const devenvSchema = z.strictObject({
  ...topLevel,
  services: z.record(serviceName, z.union([postgresServiceSchema, containerServiceSchema, processServiceSchema]))
    .meta({ description: 'Service name → a Postgres service (postgres:), a container (image: or build:) or a host process (process:).' }),
}).meta({ title: 'devenv.yml', description: 'A devenv project: its services and migration steps.' });

export type TopLevelConfig = z.infer<typeof topLevelSchema>;
export type PostgresServiceConfig = z.infer<typeof postgresServiceSchema>;
export type ContainerServiceConfig = z.infer<typeof containerServiceSchema>;
export type ProcessServiceConfig = z.infer<typeof processServiceSchema>;
export type MigrationConfig = z.infer<typeof migrationSchema>;
