import { describe, expect, it } from 'vitest';
import { printPlan } from '../../../src/engine/plan.js';
import { planUp } from '../../../src/engine/plan-up.js';
import { desiredContainer, hashFields, shortHash } from '../../../src/engine/service-spec.js';
import { demoProject, emptyObserved, regroup, runningContainer, upObserved } from './fixtures.js';
import { LABELS } from '../../../src/engine/labels.js';
import { migrationInputs } from '../../../src/engine/plan-migrations.js';
import { migrationKey } from '../../../src/engine/run-state.js';
import type { ProcessMigration, Project } from '../../../src/config/project.js';

describe('planUp', () => {
  it('plans everything for a first up, migrations before the app and after what they need', () => {
    expect(printPlan(planUp(demoProject(), emptyObserved()))).toBe(`\
[] -> #1 network:demo-net create (no network)
[] -> #2 volume:demo-db-data create (no volume)
[] -> #3 image:app build (no image built yet)
[] -> #4 image:postgres:15 pull (image not present)
[] -> #5 image:redis:7 pull (image not present)
[1,2,4] -> #6 container:db create (no existing container)
[6] -> #7 postgres:db ready (after start)
[1,5] -> #8 container:cache create (no existing container)
[8] -> #9 service:cache healthy (after start)
[7] -> #10 migration:schema sql (applies what is new)
[1,3,7,9,10] -> #11 migration:seed run (applies what is new)
[1,3] -> #12 container:app create (no existing container)
[7,9,11,12] -> #13 container:app start (its turn)
[13] -> #14 service:app healthy (after start)`);
  });

  it('reuses every container when nothing changed, still checking health (the app\'s after the migrations) and running migrations', () => {
    const project = demoProject();
    expect(printPlan(planUp(project, upObserved(project)))).toBe(`\
[] -> #1 postgres:db ready (container reused)
[] -> #2 service:cache healthy (container reused)
[1] -> #3 migration:schema sql (applies what is new)
[1,2,3] -> #4 migration:seed run (applies what is new)
[4] -> #5 service:app healthy (container reused)`);
  });

  it('the database\'s ready step carries the user its volume was made with, from the volume\'s label', () => {
    const project = demoProject();
    const state = upObserved(project);
    expect(planUp(project, state).steps.find((s) => s.kind === 'postgres.ready')).not.toHaveProperty('initialisedUser');
    state.volumes = [{ ...state.volumes[0]!, labels: { ...state.volumes[0]!.labels, [LABELS.postgresUser]: 'shop' } }];
    expect(planUp(project, state).steps.find((s) => s.kind === 'postgres.ready')).toMatchObject({ initialisedUser: 'shop' });
  });

  it('says when a database\'s init files changed since its volume was made (they run only on a new volume)', () => {
    const project = demoProject();
    const state = upObserved(project);
    state.volumes = [{ ...state.volumes[0]!, labels: { ...state.volumes[0]!.labels, [LABELS.initHash]: 'made-with' } }];
    state.initHashes = { db: 'now' };
    expect(printPlan(planUp(project, state))).toContain('#1 postgres:db ready (container reused; its init files changed since its volume was made: they run only on a new volume (`devenv down --volumes` then `devenv up` runs them; `db reset` does not))');
    state.initHashes = { db: 'made-with' };
    expect(printPlan(planUp(project, state))).toContain('#1 postgres:db ready (container reused)\n');
  });

  it('a service switched from a container to a host process, or back, removes what ran it before, first', () => {
    const project = demoProject();
    const state = upObserved(project);
    project.services = project.services.map((s) => (s.name === 'app'
      ? { kind: 'process', name: 'app', dependsOn: [], aliases: [], oneshot: false, command: ['npm', 'run', 'dev'], cwd: '/src/demo', port: 4150, env: {}, health: { type: 'none' }, restart: { policy: 'no', maxRestarts: 0 }, stopTimeoutMs: 10_000 }
      : s));
    const toHost = printPlan(planUp(project, regroup(state, project)));
    expect(toHost).toMatch(/^\[\] -> #(\d+) container:app remove \(now a host process \(process:\)\)$/m);
    const removal = Number(/#(\d+) container:app remove/.exec(toHost)![1]);
    expect(toHost).toMatch(new RegExp(`^\\[[\\d,]*\\b${removal}\\b[\\d,]*\\] -> #\\d+ process:app start`, 'm'));

    const back = upObserved(demoProject());
    back.services.get('app')!.container = undefined;
    back.processes.set('app', { service: 'app', state: 'running', pid: 4242, restarts: 0 } as never);
    expect(printPlan(planUp(demoProject(), back))).toMatch(/^\[\] -> #\d+ process:app remove \(now runs in a container\)$/m);
  });

  it('a service name devenv.yml lacks is refused with the likeliest one meant and the list', () => {
    expect(() => planUp(demoProject(), upObserved(demoProject()), { services: ['ap'] })).toThrow(expect.objectContaining({
      code: 'USAGE', message: 'no service "ap" in /src/demo/devenv.yml — did you mean "app"?', hint: 'The services are db, cache, app.',
    }));
  });

  describe('migrations whose inputs are unchanged', () => {
    /** The state after an up whose migrations succeeded on the volume created at `created`. */
    function migrated(project = demoProject(), volumeId = 'v1') {
      const state = upObserved(project);
      state.volumes = [{ ...state.volumes[0]!, labels: { ...state.volumes[0]!.labels, [LABELS.volumeId]: volumeId } }];
      // seed's files count only for a step that names inputs.
      state.fileHashes = { schema: 'sql1', seed: 'files1' };
      const facts = { volumeIds: { 'demo-db-data': volumeId }, imageId: () => 'sha256:1', fileHashes: { schema: 'sql1', seed: 'files1' } };
      for (const m of project.migrations) state.migrationRecords[migrationKey('demo', m.name)] = migrationInputs(project, m, facts)!;
      return state;
    }

    it('skips both steps and says how to force them', () => {
      const project = demoProject();
      expect(printPlan(planUp(project, migrated(project)))).toBe(`\
[] -> #1 postgres:db ready (container reused)
[] -> #2 service:cache healthy (container reused)
[] -> #3 migration:schema sql (unchanged since its last success on this database; skipped (up --migrate runs it))
[3] -> #4 migration:seed run (unchanged since its last success on this database; skipped (up --migrate runs it))
[4] -> #5 service:app healthy (container reused)`);
      // Nothing runs: the three checks go at once.
    });

    it('runs them with --migrate', () => {
      const project = demoProject();
      const lines = printPlan(planUp(project, migrated(project), { migrate: true }));
      expect(lines).toContain('migration:schema sql (--migrate)');
      expect(lines).toContain('migration:seed run (--migrate)');
    });

    it('runs them on a database volume made again since', () => {
      const project = demoProject();
      const state = migrated(project);
      state.volumes = migrated(project, 'v2').volumes;
      expect(printPlan(planUp(project, state))).not.toContain('skipped');
    });

    it('says why a step runs again: a new database volume, or which of its inputs changed', () => {
      const project = demoProject();
      const state = migrated(project, 'v1');
      state.volumes = [{ ...state.volumes[0]!, labels: { ...state.volumes[0]!.labels, [LABELS.volumeId]: 'v2' } }];
      expect(printPlan(planUp(project, state))).toContain('migration:seed run (applies what is new (a new database volume since its last success))');
      const seed = project.migrations.find((m) => m.name === 'seed')!;
      if (seed.kind !== 'run') throw new Error('fixture');
      seed.command = ['npm', 'run', 'seed:all'];
      expect(printPlan(planUp(project, migrated(demoProject(), 'v1')))).toContain('migration:seed run (applies what is new (its command changed since its last success))');
    });

    it('runs only the sql step whose files changed', () => {
      const project = demoProject();
      const state = migrated(project);
      state.fileHashes = { schema: 'sql2' };
      const lines = printPlan(planUp(project, state));
      expect(lines).toContain('migration:schema sql (applies what is new (its SQL files changed since their last success))');
      expect(lines).toContain('migration:seed run (unchanged');
    });

    it('runs the run: step when its env changed; with its image to be rebuilt, unless the build gives the same image', () => {
      const project = demoProject();
      const state = migrated(project);
      const app = project.services.find((s) => s.name === 'app')!;
      if (app.kind !== 'container') throw new Error('fixture');
      app.env.NODE_ENV = ['test'];
      expect(printPlan(planUp(project, state))).toMatch(/migration:seed run \(applies what is new \(its env changed since its last success\)\)$/m);
      const rebuilt = planUp(demoProject(), migrated(), { build: true, services: ['app'] });
      expect(printPlan(rebuilt)).toContain('migration:seed run (applies what is new; skipped if the image it runs comes out as it was at its last success)');
      const seed = rebuilt.steps.find((s) => s.kind === 'migration' && s.migration.name === 'seed');
      expect(seed).toMatchObject({ unlessUnchanged: migrated().migrationRecords[migrationKey('demo', 'seed')] });
      expect(planUp(demoProject(), migrated(), { build: true, services: ['app'], migrate: true }).steps.find((s) => s.kind === 'migration' && s.migration.name === 'seed')).not.toHaveProperty('unlessUnchanged');
    });

    it('runs the run: step every time when its service bind-mounts host files, and says so', () => {
      const project = demoProject();
      const app = project.services.find((s) => s.name === 'app')!;
      if (app.kind !== 'container') throw new Error('fixture');
      app.volumes = [{ type: 'bind', source: '/src/demo/migrations', target: '/app/migrations', readOnly: true }];
      expect(printPlan(planUp(project, migrated(project)))).toContain('migration:seed run (app bind-mounts host files and the step names no inputs: runs on every up)');
    });

    it('skips a run: step of a service that bind-mounts host files when it names its inputs and they are unchanged', () => {
      const withInputs = () => {
        const project = demoProject();
        const app = project.services.find((s) => s.name === 'app')!;
        const seed = project.migrations.find((m) => m.name === 'seed')!;
        if (app.kind !== 'container' || seed.kind !== 'run') throw new Error('fixture');
        app.volumes = [{ type: 'bind', source: '/src/demo/migrations', target: '/app/migrations', readOnly: true }];
        seed.inputs = ['/src/demo/migrations'];
        return project;
      };
      const project = withInputs();
      const state = migrated(project);
      expect(printPlan(planUp(project, state))).toContain('migration:seed run (unchanged since its last success on this database; skipped');
      // No hash of its files (one is missing, or unreadable): it runs, and says why.
      expect(printPlan(planUp(project, { ...state, fileHashes: { schema: 'sql1' } }))).toContain('migration:seed run (an input it names is missing or unreadable: runs on every up)');
    });

    it('skips a run: step that names its inputs even when its image is rebuilt (a code edit), and runs it when they change', () => {
      const withInputs = () => {
        const project = demoProject();
        const seed = project.migrations.find((m) => m.name === 'seed')!;
        if (seed.kind !== 'run') throw new Error('fixture');
        seed.inputs = ['/src/demo/migrations'];
        return project;
      };
      const state = migrated(withInputs());
      expect(printPlan(planUp(withInputs(), state, { build: true, services: ['app'] }))).toContain('migration:seed run (unchanged since its last success on this database; skipped (up --migrate runs it))');
      expect(printPlan(planUp(withInputs(), { ...state, fileHashes: { ...state.fileHashes, seed: 'files2' } }, { build: true, services: ['app'] }))).toMatch(/migration:seed run \(applies what is new \(its files changed since its last success\)\)$/m);
    });

    it('skips a host process: step with inputs while its files, command and env are unchanged, and says which changed', () => {
      const hostSeed = (changes: Partial<ProcessMigration> = {}): Project => {
        const project = demoProject();
        project.migrations = project.migrations.map((m) => (m.name === 'seed' ? { kind: 'process', name: 'seed', when: 'always', command: ['npx', 'knex', 'migrate:latest'], cwd: '/src/demo', env: { DATABASE_URL: [{ service: 'db', field: 'url' }] }, inputs: ['/src/demo/migrations'], ...changes } : m));
        return project;
      };
      const state = migrated(hostSeed());
      expect(printPlan(planUp(hostSeed(), state))).toContain('migration:seed process (unchanged since its last success on this database; skipped (up --migrate runs it))');
      expect(printPlan(planUp(hostSeed(), { ...state, fileHashes: { schema: 'sql1', seed: 'files2' } }))).toContain('migration:seed process (applies what is new (its files changed since its last success))');
      expect(printPlan(planUp(hostSeed({ env: {} }), state))).toContain('(its env changed since its last success)');
      expect(printPlan(planUp(hostSeed({ command: ['npx', 'knex', 'migrate:up'] }), state))).toContain('(its command changed since its last success)');
      // Without inputs it cannot know what the command reads.
      const bare = hostSeed();
      delete (bare.migrations[1] as ProcessMigration).inputs;
      expect(printPlan(planUp(bare, state))).toContain('migration:seed process (a host process without inputs: runs on every up)');
    });

    it('runs them on a volume without an ID (made by an older devenv)', () => {
      const project = demoProject();
      const state = migrated(project);
      state.volumes = upObserved(project).volumes;
      expect(printPlan(planUp(project, state))).not.toContain('skipped');
    });
  });

  it('recreates only the service whose env changed and names the field', () => {
    const project = demoProject();
    const observed = upObserved(project);
    const app = project.services.find((s) => s.name === 'app')!;
    if (app.kind !== 'container') throw new Error('fixture');
    app.env.NODE_ENV = ['production'];
    const plan = printPlan(planUp(project, regroup(observed, project)));
    expect(plan).toContain('container:app remove (config changed: env.NODE_ENV)');
    expect(plan).toContain('container:app create (config changed: env.NODE_ENV)');
    expect(plan).not.toContain('container:db');
    expect(plan).not.toContain('container:cache');
  });

  it('rebuilds the app when its build context changed, naming the files, and replaces it unless the build gives the image it runs', () => {
    const project = demoProject();
    const observed = { ...upObserved(project), contextHashes: { app: 'ctx2' } };
    const plan = planUp(project, regroup(observed, project));
    expect(printPlan(plan)).toContain('image:app build (build context changed: server.js)');
    expect(printPlan(plan)).toContain('container:app create (image rebuilt (build context changed: server.js); kept if the build gives the image it runs)');
    const keep = { image: 'demo-app:devenv', imageId: 'sha256:1', start: false };
    expect(plan.steps.find((s) => s.kind === 'container.remove')).toMatchObject({ service: 'app', keep });
    expect(plan.steps.find((s) => s.kind === 'container.create')).toMatchObject({ service: 'app', keep: { ...keep, containerId: observed.containers[2]!.id } });
  });

  it('keeps a stopped container to start it, and a completed one-shot without running it again', () => {
    const project = demoProject();
    const observed = { ...upObserved(project), contextHashes: { app: 'ctx2' } };
    observed.containers[2] = { ...observed.containers[2]!, state: 'exited', exitCode: 0 };
    const create = planUp(project, regroup(observed, project)).steps.find((s) => s.kind === 'container.create');
    expect(create).toMatchObject({ keep: { start: true } });
    const app = project.services.find((s) => s.name === 'app')!;
    if (app.kind !== 'container') throw new Error('fixture');
    app.oneshot = true;
    observed.containers[2] = { ...runningContainer(project, 'app', 'exited'), exitCode: 0 };
    expect(planUp(project, regroup(observed, project)).steps.find((s) => s.kind === 'container.create')).toMatchObject({ keep: { start: false } });
  });

  it('restart of a service whose image it rebuilds runs the run: steps in that image first; without a rebuild, none', () => {
    const project = demoProject();
    const changed = regroup({ ...upObserved(project), contextHashes: { app: 'ctx2' } }, project);
    // The old container serves until the step is done; the new one starts on the migrated schema.
    expect(printPlan(planUp(project, changed, { mode: 'restart', services: ['app'] }))).toBe(`\
[] -> #1 image:app build (build context changed: server.js)
[1] -> #2 migration:seed run (runs in app's image, rebuilt: applies what is new)
[1,2] -> #3 container:app remove (image rebuilt (build context changed: server.js))
[1,3] -> #4 container:app create (image rebuilt (build context changed: server.js))
[2,4] -> #5 container:app start (its turn)
[5] -> #6 service:app healthy (after start)`);
    expect(printPlan(planUp(project, regroup(upObserved(project), project), { mode: 'restart', services: ['app'] }))).not.toContain('migration:');
  });

  it('restart app runs a run: step of another service that shares app\'s rebuilt image, after the build', () => {
    const project = demoProject();
    const app = project.services.find((s) => s.name === 'app')!;
    if (app.kind !== 'container') throw new Error('fixture');
    project.services.push({ ...app, name: 'tools', build: undefined, buildFrom: 'app', ports: [], health: { type: 'none' } });
    project.migrations = [{ kind: 'run', name: 'seed', when: 'always', service: 'tools', command: ['npm', 'run', 'seed'] }];
    const observed = regroup({ ...upObserved(project), contextHashes: { app: 'ctx2' } }, project);
    const lines = printPlan(planUp(project, observed, { mode: 'restart', services: ['app'] })).split('\n');
    const build = /#(\d+) image:app build/.exec(lines.join('\n'))![1];
    expect(lines.find((l) => l.includes('migration:seed run'))).toMatch(new RegExp(`^\\[([0-9]+,)*${build}(,[0-9]+)*\\] -> #\\d+ migration:seed run \\(runs in tools's image, rebuilt: applies what is new\\)$`));
  });

  it('replaces without a keep: restart, a config change, a failed one-shot', () => {
    const project = demoProject();
    const observed = regroup({ ...upObserved(project), contextHashes: { app: 'ctx2' } }, project);
    const restart = planUp(project, observed, { mode: 'restart', services: ['app'] });
    expect(printPlan(restart)).toContain('container:app create (image rebuilt (build context changed: server.js))');
    expect(restart.steps.find((s) => s.kind === 'container.create')).not.toHaveProperty('keep');
    const app = project.services.find((s) => s.name === 'app')!;
    if (app.kind !== 'container') throw new Error('fixture');
    app.oneshot = true;
    const failed = { ...observed, containers: [...observed.containers.slice(0, 2), { ...runningContainer(project, 'app', 'exited'), exitCode: 1, imageId: 'sha256:1' }] };
    const rerun = planUp(project, regroup(failed, project));
    expect(printPlan(rerun)).toContain('container:app create (its last run exited with code 1)');
    expect(rerun.steps.find((s) => s.kind === 'container.create')).not.toHaveProperty('keep');
    app.oneshot = false;
    app.env.NODE_ENV = ['test'];
    const changed = planUp(project, observed);
    expect(printPlan(changed)).toContain('container:app create (config changed: env.NODE_ENV)');
    expect(changed.steps.find((s) => s.kind === 'container.create')).not.toHaveProperty('keep');
  });

  it('reuses a container made when the context hash was part of its config hash (an upgrade of devenv replaces nothing)', () => {
    const project = demoProject();
    const observed = upObserved(project);
    const app = project.services.find((s) => s.name === 'app')!;
    if (app.kind !== 'container') throw new Error('fixture');
    const desired = desiredContainer(project, app);
    const before = hashFields({ ...desired.fields, image: shortHash([desired.spec.image, 'ctx1']) });
    observed.containers[2]!.labels = { ...observed.containers[2]!.labels, [LABELS.configHash]: before.hash, [LABELS.configFields]: before.sorted };
    // The image from then: no record in .devenv, its context hash as a label.
    observed.images[0]!.labels[LABELS.contextHash] = 'ctx1';
    observed.contexts = {};
    expect(printPlan(planUp(project, regroup(observed, project)))).not.toMatch(/container:app|image:app/);
    // Another context since: rebuilt, and the container stays if the build gives its image back.
    const changed = planUp(project, regroup({ ...observed, contextHashes: { app: 'ctx2' } }, project));
    expect(changed.steps.find((s) => s.kind === 'container.create')).toMatchObject({ keep: { imageId: 'sha256:1' } });
  });

  it('rebuilds an image whose build nothing recorded, and trusts the label of an image built before records were kept', () => {
    const project = demoProject();
    const observed = { ...upObserved(project), contexts: {} };
    expect(printPlan(planUp(project, regroup(observed, project)))).toContain('image:app build (no record of the build context it was built from)');
    observed.images = [{ ...observed.images[0]!, labels: { ...observed.images[0]!.labels, [LABELS.contextHash]: 'ctx1' } }];
    expect(printPlan(planUp(project, regroup(observed, project)))).not.toContain('image:app build');
    // A record of another image (the tag was rebuilt outside devenv) is no record of this one.
    const other = { ...upObserved(project), contexts: { app: { now: {}, built: { contextHash: 'ctx1', files: {}, imageId: 'sha256:9' } } } };
    expect(printPlan(planUp(project, regroup(other, project)))).toContain('image:app build (no record of the build context it was built from)');
  });

  it('starts a stopped container instead of recreating it', () => {
    const project = demoProject();
    const observed = upObserved(project);
    observed.containers[0] = runningContainer(project, 'db', 'exited');
    expect(printPlan(planUp(project, regroup(observed, project)))).toContain('[] -> #1 container:db start (container is exited)');
  });

  it('removes containers of services gone from devenv.yml and one-offs left by an interrupted run', () => {
    const project = demoProject();
    const observed = upObserved(project);
    const gone = runningContainer(project, 'cache');
    gone.labels[LABELS.service] = 'worker';
    const oneoff = runningContainer(project, 'app');
    oneoff.labels[LABELS.role] = 'migration';
    observed.containers.push({ ...gone, id: 'old', name: 'demo-worker' }, { ...oneoff, id: 'mig', name: 'demo-migrate-seed' });
    const plan = printPlan(planUp(project, regroup(observed, project)));
    expect(plan).toContain('container:worker remove (service no longer in devenv.yml)');
    expect(plan).toContain('container:demo-migrate-seed remove (one-off container left over from an interrupted run)');
  });

  it('honours --build and --force-recreate', () => {
    const project = demoProject();
    const plan = printPlan(planUp(project, upObserved(project), { build: true, forceRecreate: true }));
    expect(plan).toContain('image:app build (--build)');
    expect(plan).toContain('container:db create (--force-recreate)');
  });

  it('starts services in dependency order when there are no migrations, creating them early', () => {
    const project = { ...demoProject(), migrations: [] };
    const lines = printPlan(planUp(project, emptyObserved())).split('\n');
    const index = (text: string) => lines.findIndex((l) => l.includes(text));
    // Created once its network and image are there; started once db and cache are ready.
    expect(lines[index('container:app create')]).toMatch(/^\[1,3\] /);
    expect(lines[index('container:app start')]).toMatch(/^\[7,9,10\] /);
    expect(index('container:app start')).toBeGreaterThan(index('postgres:db ready'));
  });

  it('removes leftovers before anything new starts, so their ports and names are free', () => {
    const project = demoProject();
    const observed = emptyObserved();
    const leftover = runningContainer(project, 'app');
    leftover.labels[LABELS.role] = 'migration';
    observed.containers.push({ ...leftover, id: 'mig', name: 'demo-migrate-seed' });
    const lines = printPlan(planUp(project, regroup(observed, project))).split('\n');
    expect(lines[5]).toBe('[] -> #6 container:demo-migrate-seed remove (one-off container left over from an interrupted run)');
    for (const line of lines.filter((l) => / (create|run) /.test(l) && !l.includes('network') && !l.includes('volume'))) {
      expect(line).toMatch(/^\[([0-9,]*,)?6(,[0-9,]*)?\]/);
    }
  });

  it('with --build recreates the rebuilt service even when its context is unchanged', () => {
    const project = demoProject();
    const plan = printPlan(planUp(project, upObserved(project), { build: true }));
    expect(plan).toContain('container:app create (image rebuilt (--build); kept if the build gives the image it runs)');
    expect(plan).not.toContain('container:db');
  });

  it('finds a built image whose tag was given without one ("web" is "web:latest")', () => {
    const project = demoProject();
    const app = project.services.find((s) => s.name === 'app')!;
    if (app.kind !== 'container') throw new Error('fixture');
    app.image = 'demo-web';
    const observed = upObserved(project);
    observed.images[0]!.tags = ['demo-web:latest'];
    observed.containers[2] = runningContainer(project, 'app', 'running');
    expect(printPlan(planUp(project, regroup(observed, project)))).not.toContain('image:app build');
  });

  it('creates the named volumes of a run: migration\'s service before the migration', () => {
    const project = demoProject();
    const app = project.services.find((s) => s.name === 'app')!;
    if (app.kind !== 'container') throw new Error('fixture');
    app.volumes = [{ type: 'volume', source: 'demo-cache', target: '/cache', readOnly: false }];
    const lines = printPlan(planUp(project, emptyObserved())).split('\n');
    const volume = lines.find((l) => l.includes('volume:demo-cache create'))!;
    const id = /#(\d+)/.exec(volume)![1];
    expect(lines.find((l) => l.includes('migration:seed run'))).toMatch(new RegExp(`^\\[([0-9]+,)*${id}(,[0-9]+)*\\]`));
  });

  it('refuses to plan when a fixed host port is held by something else, naming it', () => {
    const observed = { ...emptyObserved(), busyPorts: { 3000: 'container shop-app (devenv project shop)' } };
    expect(() => planUp(demoProject(), observed)).toThrow('port 127.0.0.1:3000 for app is already in use by container shop-app (devenv project shop)');
    // up --plan: the plan still, and the refusal beside it.
    const refusals: string[] = [];
    const plan = planUp(demoProject(), observed, { onRefusal: (e) => refusals.push(e.message) });
    expect(printPlan(plan)).toContain('container:app create (no existing container)');
    expect(refusals).toEqual(['port 127.0.0.1:3000 for app is already in use by container shop-app (devenv project shop)']);
  });

  it('a restart that builds nothing leaves untagged images alone ("nothing else is touched")', () => {
    const project = demoProject();
    const observed = upObserved(project);
    observed.images.push({ id: 'sha256:0123456789abcdef', tags: [], labels: { [LABELS.project]: 'demo', [LABELS.service]: 'app' } });
    expect(printPlan(planUp(project, regroup(observed, project), { mode: 'restart', services: ['db'] }))).not.toContain('image:');
    expect(printPlan(planUp(project, regroup(observed, project)))).toContain('image:0123456789ab remove (left untagged by a rebuild)');
  });

  it('removes images an earlier rebuild left untagged, after the containers are settled', () => {
    const project = demoProject();
    const observed = { ...upObserved(project), contextHashes: { app: 'ctx2' } };
    observed.images.push({ id: 'sha256:0123456789abcdef', tags: [], labels: { [LABELS.project]: 'demo', [LABELS.service]: 'app' } });
    const lines = printPlan(planUp(project, regroup(observed, project))).split('\n');
    const create = /#(\d+) container:app create/.exec(lines.join('\n'))![1];
    const deps = /^\[([0-9,]+)\] -> #\d+ image:0123456789ab remove \(left untagged by a rebuild\)$/.exec(lines.at(-1)!)?.[1];
    expect(deps?.split(',')).toContain(create);
  });

  it('recreates a container whose image tag now points at a newer build (an earlier run built it and failed)', () => {
    const project = demoProject();
    const observed = upObserved(project);
    observed.images[0]!.id = 'sha256:2';
    observed.contexts.app!.built!.imageId = 'sha256:2';
    const plan = printPlan(planUp(project, regroup(observed, project)));
    expect(plan).toContain('container:app create (image rebuilt since the container was created)');
    expect(plan).not.toContain('image:app build');
  });

  it('with a rebuild to come, keeps a container whose tag a failed run moved, if the build gives its image back', () => {
    // A failed run built sha256:2 from an edit and kept the running container (sha256:1); the edit is undone.
    const project = demoProject();
    const observed = { ...upObserved(project), contextHashes: { app: 'ctx1' } };
    observed.images[0]!.id = 'sha256:2';
    observed.contexts.app!.built = { contextHash: 'ctx2', files: {}, imageId: 'sha256:2' };
    const plan = planUp(project, regroup(observed, project));
    expect(printPlan(plan)).toContain('image:app build (build context changed');
    expect(plan.steps.find((s) => s.kind === 'container.create')).toMatchObject({ keep: { imageId: 'sha256:1' } });
  });

  it('removes a replaced container first when another service now wants its fixed host port', () => {
    const project = demoProject();
    const observed = upObserved(project);
    observed.containers[2]!.ports = [{ hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000, protocol: 'tcp' }];
    const app = project.services.find((s) => s.name === 'app')!;
    const cache = project.services.find((s) => s.name === 'cache')!;
    if (app.kind !== 'container' || cache.kind !== 'container') throw new Error('fixture');
    app.ports = [{ hostIp: '127.0.0.1', hostPort: 3001, containerPort: 3000, protocol: 'tcp' }];
    app.health = { type: 'http', path: '/health', port: 3000, intervalMs: 100, timeoutMs: 60_000 };
    cache.ports = [{ hostIp: '127.0.0.1', hostPort: 3000, containerPort: 6379, protocol: 'tcp' }];
    const lines = printPlan(planUp(project, regroup(observed, project))).split('\n');
    const removal = lines.find((l) => l.includes('container:app remove'))!;
    expect(removal).toMatch(/^\[\] -> #(\d+) container:app remove \(config changed: ports; frees a port cache wants\)$/);
    const id = /#(\d+)/.exec(removal)![1]!;
    expect(/^\[([0-9,]+)\]/.exec(lines.find((l) => l.includes('container:cache create'))!)![1]!.split(',')).toContain(id);
  });

  it('refuses up of one service whose fixed port another service of the project keeps', () => {
    const project = demoProject();
    const observed = regroup({ ...upObserved(project), projectPorts: { 3000: 'app' } }, project);
    const cache = project.services.find((s) => s.name === 'cache')!;
    if (cache.kind !== 'container') throw new Error('fixture');
    cache.ports = [{ hostIp: '127.0.0.1', hostPort: 3000, containerPort: 6379, protocol: 'tcp' }];
    expect(() => planUp(project, observed, { services: ['cache'] })).toThrow('port 127.0.0.1:3000 for cache is held by app of this project, which keeps it');
  });
});
