import { describe, expect, it } from 'vitest';
import { container, loadYaml, postgres, problems } from './helpers.js';

describe('variables', () => {
  it('interpolates every string scalar, from the environment over .env', async () => {
    const yaml = `name: \${NAME:-fallback}
services:
  db:
    postgres: { version: "\${PG_VERSION}", password: "\${DB_PASSWORD:-}" }
  app:
    image: "\${REGISTRY}/app:\${TAG-latest}"
    port: \${APP_PORT:-3000}
    env:
      GREETING: "\${GREETING:-\${FALLBACK_GREETING:-hello}} world"
      PRICE: "$$5"
`;
    const dotenv = '# defaults\nPG_VERSION=16\nREGISTRY=ghcr.io/acme\nexport APP_PORT="4000"\nTAG=\nFALLBACK_GREETING=\'hi\'\n';
    const project = await loadYaml(yaml, { files: { '.env': dotenv }, env: { REGISTRY: 'localhost:5000', NAME: undefined } });
    expect(project.name).toBe('fallback');
    expect(postgres(project, 'db')).toMatchObject({ version: '16', image: 'postgres:16', password: '', passwordGenerated: true });
    const app = container(project, 'app');
    expect(app.image).toBe('localhost:5000/app:');
    expect(app.ports[0]).toMatchObject({ hostPort: 4000, containerPort: 4000 });
    expect(app.env).toEqual({ GREETING: ['hi world'], PRICE: ['$5'] });
  });

  it('an empty environment value still wins over .env', async () => {
    const project = await loadYaml('services:\n  a: { image: "x${TAG}" }\n', { files: { '.env': 'TAG=:1\n' }, env: { TAG: '' } });
    expect(container(project, 'a').image).toBe('x');
  });

  it('reports :? errors and malformed expressions at their field', async () => {
    const yaml = `services:
  db:
    postgres: { password: "\${DB_PASSWORD:?set DB_PASSWORD in .env}" }
  app: { image: "\${IMAGE" }
`;
    expect(await problems(yaml)).toEqual([
      'devenv.yml:3:27 services.db.postgres.password: variable DB_PASSWORD is not set: set DB_PASSWORD in .env',
      'devenv.yml:4:17 services.app.image: unclosed "${": add the closing "}" (or write "$$" for a literal "$")',
    ]);
  });

  it('reports bad lines of .env', async () => {
    expect(await problems('services:\n  a: { image: x }\n', { files: { '.env': 'OK=1\n=nokey\n' } })).toEqual([
      '.env:2:1 line 2 is not KEY=value: nothing comes before "="',
    ]);
  });
});
