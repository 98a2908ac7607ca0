/**
 * The zod schema of devenv.yml, after interpolation. It checks shapes and types; values that need
 * parsing (ports, durations, volumes) are checked by the normaliser, which owns their messages.
 * Every schema carries its own "expected …" message: the loader appends ", got <value>".
 *
 * zod/mini rather than classic zod: the same checks for half the load time of every command that
 * reads devenv.yml. Descriptions (for schemas/devenv.schema.json) are attached with `about`.
 */
import * as z from 'zod/mini';

// devenv validates one file once: compiling a fast parser for it (zod's default JIT) costs more than it saves.
z.config({ jitless: true });

import { NAME_PATTERN } from './name-pattern.js';

export { NAME_PATTERN };
const NAME_EXPECTED = 'a name of lowercase letters, digits, "_" and "-" that starts with a letter or digit';

/** The schema with a description (and title) for the published JSON schema. */
const about = <T extends z.ZodMiniType>(schema: T, description: string, title?: string): T =>
  schema.check(z.meta({ ...(title ? { title } : {}), ...(description ? { description } : {}) }));
const optional = <T extends z.ZodMiniType>(schema: T, description?: string) => z.optional(description ? about(schema, description) : schema);

const text = (expected: string) => z.string({ error: `expected ${expected}` }).check(z.minLength(1, { error: `expected ${expected}` }));
const oneOrMany = (expected: string) =>
  z.union([text(expected), z.array(text(expected), { error: `expected ${expected} or a list of them` })], {
    error: `expected ${expected} or a list of them`,
  });
const command = (what: string) =>
  about(z.union([
    text('a command'),
    z.array(z.string({ error: 'expected a string' }), { error: 'expected a list' }).check(z.minLength(1, { error: 'expected at least one word' })),
  ], { error: 'expected a command string or a list of words' }), `${what}: a string (run by sh -c) or a list of words.`);
const port = (expected: string, description: string) =>
  about(z.union([z.number({ error: `expected ${expected}` }), z.string({ error: `expected ${expected}` })], { error: `expected ${expected}` }), description);
const duration = (description: string) =>
  about(z.union([z.number({ error: 'expected a duration' }), z.string({ error: 'expected a duration' })], {
    error: 'expected a duration such as 500ms, 5s or 2m',
  }), `${description} A number of seconds or a string such as 500ms, 5s, 2m.`);
const yesNo = () => z.boolean({ error: 'expected true or false' });
/** A value of env or build.args. */
export const scalarValue = () => z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' });
const envValues = (description?: string) => {
  const map = z.record(z.string(), scalarValue(), {
    error: 'expected a map of environment variables',
  });
  return description ? about(map, description) : map;
};

export const serviceName = z.string().check(z.regex(NAME_PATTERN, { error: `expected ${NAME_EXPECTED}` }));

export const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'] as const;
/** The value of one entry of a depends_on map. */
export const dependencyOptions = () => z.union([
  z.null(),
  z.strictObject({
    condition: optional(z.enum(CONDITIONS, { error: `expected one of ${CONDITIONS.join(', ')}` }), 'What to wait for; default service_started, as in Compose.'),
    required: optional(yesNo(), 'Accepted for Compose files; must be true.'),
    restart: optional(yesNo(), 'Accepted for Compose files; devenv ignores it.'),
  }, { error: 'expected a map with condition' }),
]);
const dependsOn = about(z.union([
  z.array(text('a service name'), { error: 'expected a list of service names' }),
  z.record(z.string(), dependencyOptions(), { error: 'expected a map of service names' }),
], { error: 'expected a list of service names, or a map of service name → { condition }' }),
'Services started first: a list (each started and healthy, or completed for a one-shot), or a map with Compose conditions.');

const aliases = about(z.array(z.string().check(z.regex(NAME_PATTERN, { error: `expected ${NAME_EXPECTED}` })), { error: 'expected a list of names' }),
  'More names other containers reach this service by (network aliases), e.g. [postgres].');
const restart = about(z.enum(['no', 'on-failure', 'always'], { error: 'expected one of no, on-failure, always' }), 'Restart policy; default no.');
const maxRestarts = about(z.union([
  z.int({ error: 'expected a whole number ≥ 0' }).check(z.minimum(0, { error: 'expected a whole number ≥ 0' })),
  z.string().check(z.regex(/^\d+$/, { error: 'expected a whole number ≥ 0' })),
], { error: 'expected a whole number ≥ 0' }), 'With restart: on-failure; 0 (the default) is unlimited.');
const stopTimeout = duration('How long a stop waits after SIGTERM before it kills; default 10s.');

const postgresOptions = z.strictObject({
  version: optional(z.union([text('a Postgres version'), z.number()], { error: 'expected a Postgres version such as "15"' }),
    'Postgres major version; the image is postgres:<version>. Default "15".'),
  image: optional(text('an image reference'), "Another image honouring the official postgres image's contract."),
  database: optional(text('a database name'), 'Database created on first start (POSTGRES_DB). Default: the project name.'),
  user: optional(text('a user name'), 'POSTGRES_USER. Default "postgres".'),
  password: optional(z.union([z.string(), z.number()], { error: 'expected a password string' }),
    'An empty or missing password is generated once and kept in .devenv/secrets.json.'),
  port: z.optional(port('a port number 0-65535', 'Host port on 127.0.0.1; 0 (the default) picks a free one.')),
  init: optional(oneOrMany('a file path'), 'SQL or shell files run once, when the data volume is new.'),
});

export const postgresServiceSchema = about(z.strictObject({
  postgres: about(z.union([postgresOptions, z.null()], { error: 'expected a map of Postgres settings' }), 'A typed Postgres service.', 'Postgres'),
  health: z.optional(z.strictObject({ timeout: z.optional(duration('How long to wait for Postgres to accept a connection; default 60s.')) }, {
    error: 'expected a map with timeout',
  })),
  command: z.optional(command("The server's command; a list starting with \"-\" adds flags to postgres, e.g. [\"-c\", \"fsync=off\"]")),
  depends_on: z.optional(dependsOn),
  aliases: z.optional(aliases),
  restart: z.optional(restart),
  max_restarts: z.optional(maxRestarts),
  stop_timeout: z.optional(stopTimeout),
}), '', 'Postgres service');

const buildObject = z.strictObject({
  context: optional(text('a folder path'), 'Build context folder, relative to devenv.yml. Default ".".'),
  dockerfile: optional(text('a file path'), 'Dockerfile path relative to the context. Default "Dockerfile".'),
  target: z.optional(text('a build stage name')),
  args: z.optional(z.record(z.string(), scalarValue(), {
    error: 'expected a map of build arguments',
  })),
});

const health = z.strictObject({
  http: optional(text('a path such as /health'), 'GET this path from the host; 2xx/3xx is healthy.'),
  port: z.optional(port('a port number 1-65535', 'Container port for the http check; default the first port.')),
  tcp: z.optional(port('a port number 1-65535', 'Container port that must accept a TCP connection.')),
  command: z.optional(command('Run inside the container; exit 0 is healthy')),
  interval: z.optional(duration('Time between checks; default 100ms, backing off to 1 s.')),
  timeout: z.optional(duration('Deadline for the service to become healthy; default 60s.')),
}, { error: 'expected a map with http, tcp or command' });

export const containerServiceSchema = about(z.strictObject({
  image: optional(text('an image reference such as "redis:7"'), 'Image to pull; with build, the tag of the built image.'),
  build: optional(z.union([text('a folder path'), buildObject], { error: 'expected a folder path or a map with context, dockerfile, target, args' }),
    'A context folder or { context, dockerfile, target, args } (paths relative to devenv.yml).'),
  command: z.optional(command("Default: the image's CMD")),
  working_dir: optional(text('an absolute folder path in the container'), "The command's working folder in the container, as Compose's working_dir; default: the image's WORKDIR."),
  port: z.optional(port('a port number 1-65535', 'One port: 3000 (same port on 127.0.0.1) or "8080:80".')),
  ports: optional(z.array(port('a port such as 3000, "8080:80" or "127.0.0.1:8080:80"', 'A published port.'), { error: 'expected a list of ports' }),
    'Published on 127.0.0.1 only: 3000, "8080:80", "127.0.0.1:8080:80", "0:80", "53/udp".'),
  env: optional(envValues(), 'Environment; values may use ${VAR} and references such as ${db.url}.'),
  env_file: optional(oneOrMany('a file path'), 'Files of KEY=value lines; values in env win.'),
  health: optional(health, '{ http: /path, port? }, { tcp: port } or { command: [...] }, plus interval and timeout. Default: tcp on the first port.'),
  oneshot: optional(yesNo(), 'The service runs to completion (a worker, an asset build): exit 0 is success and dependants start after it.'),
  depends_on: z.optional(dependsOn),
  aliases: z.optional(aliases),
  restart: z.optional(restart),
  max_restarts: z.optional(maxRestarts),
  volumes: optional(z.array(text('a volume such as "./src:/app/src" or "data:/data"'), { error: 'expected a list of volumes' }),
    '"./host/path:/container/path[:ro]" or "name:/container/path" (a named volume).'),
  stop_timeout: z.optional(stopTimeout),
}), '', 'Container service');

const envMap = envValues('Environment; values may use ${VAR} and references such as ${db.url} (resolved for the host: 127.0.0.1 and the published port).');

export const processServiceSchema = about(z.strictObject({
  process: about(command('The command run on the host (not in a container)'),
    'A command run on the host under devenv\'s supervisor: a string (sh -c) or a list.', 'Host process'),
  cwd: optional(text('a folder path'), 'Working folder, relative to devenv.yml; default its folder.'),
  port: z.optional(port('a port number 1-65535', 'The host port the process listens on: the summary URL, the default tcp health check, a port check before start.')),
  env: z.optional(envMap),
  env_file: optional(oneOrMany('a file path'), 'Files of KEY=value lines; values in env win.'),
  health: optional(health, '{ http: /path }, { tcp: port } or { command: [...] } (run on the host), plus interval and timeout. Default: tcp on port.'),
  oneshot: optional(yesNo(), 'The process runs to completion: exit 0 is success and dependants start after it.'),
  depends_on: z.optional(dependsOn),
  restart: z.optional(restart),
  max_restarts: z.optional(maxRestarts),
  stop_timeout: z.optional(stopTimeout),
}), '', 'Host process service');

export const migrationSchema = z.strictObject({
  name: about(text('a step name'), 'Unique name of the step.'),
  run: z.optional(command('Command run in a one-off container of `service`')),
  service: optional(text('a service name'), 'The container service whose image and env run the step.'),
  sql: optional(text('a folder path'), 'A folder of .sql files applied in lexical order.'),
  process: z.optional(command('Command run on the host')),
  cwd: optional(text('a folder path'), 'With process: the working folder, relative to devenv.yml.'),
  env: z.optional(envMap),
  inputs: optional(z.array(text('a file or folder path'), { error: 'expected a list of file and folder paths' }).check(z.minLength(1, { error: 'expected at least one path' })),
    'Files and folders the step reads, relative to devenv.yml (a migrations folder, a lock file): with them, a process: step, or a run: step whose service bind-mounts host files, is skipped while they, its command and env are unchanged since its last success on this database.'),
  database: optional(text('a service name'),
    'The Postgres service the sql files are applied to; for a `when: fresh` step, the database whose freshness counts (default: the only one).'),
  when: optional(z.enum(['always', 'fresh'], { error: 'expected always or fresh' }),
    'always (the default): on every up, the step skipping what it applied. fresh: once per database (a seed): on a new or reset database.'),
}, { error: 'expected a map with name and run+service, process, or sql+database' });

const topLevel = {
  version: optional(z.union([z.literal(1), z.literal('1')], { error: 'expected 1 (the only format version)' }), 'Format version; the only version is 1.'),
  name: optional(z.string({ error: `expected ${NAME_EXPECTED}` }).check(z.regex(NAME_PATTERN, { error: `expected ${NAME_EXPECTED}` })),
    "Project name; default the folder's name, normalised to [a-z0-9_-]."),
  migrations: optional(z.array(migrationSchema, { error: 'expected a list of migration steps' }), 'Steps run in order before the other services start.'),
};

/** What the loader validates first; each service is then validated by its own kind. */
export const topLevelSchema = z.strictObject({
  ...topLevel,
  services: z.record(z.string(), z.unknown(), { error: 'expected a map of services' }),
}, { error: 'expected a map with services' });

/** The whole file, as published in schemas/devenv.schema.json. */
export const devenvSchema = about(z.strictObject({
  ...topLevel,
  services: about(z.record(serviceName, z.union([postgresServiceSchema, containerServiceSchema, processServiceSchema])),
    'Service name → a Postgres service (postgres:), a container (image: or build:) or a host process (process:).'),
}), 'A devenv project: its services and migration steps.', 'devenv.yml');

export type TopLevelConfig = z.infer<typeof topLevelSchema>;
export type PostgresServiceConfig = z.infer<typeof postgresServiceSchema>;
export type ContainerServiceConfig = z.infer<typeof containerServiceSchema>;
export type ProcessServiceConfig = z.infer<typeof processServiceSchema>;
export type MigrationConfig = z.infer<typeof migrationSchema>;
