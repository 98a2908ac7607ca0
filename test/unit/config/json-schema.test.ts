import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCHEMA_URL, devenvJsonSchemaText } from '../../../src/config/json-schema.js';

const committed = fileURLToPath(new URL('../../../schemas/devenv.schema.json', import.meta.url));

describe('schemas/devenv.schema.json', () => {
  it('is what the zod schema generates (run `npm run build && npm run schema` after changing it)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(devenvJsonSchemaText());
  });

  it('carries descriptions and accepts interpolated values where patterns apply', () => {
    const schema = JSON.parse(devenvJsonSchemaText()) as {
      title: string;
      required: string[];
      properties: { name: { pattern: string; description: string }; services: { propertyNames: { pattern: string } } };
    };
    expect(schema.title).toBe('devenv.yml');
    expect(schema.required).toEqual(['services']);
    expect(schema.properties.name.description).toMatch(/Project name/);
    const name = new RegExp(schema.properties.name.pattern);
    expect(name.test('shop')).toBe(true);
    expect(name.test('${PROJECT}')).toBe(true);
    expect(name.test('Shop')).toBe(false);
    expect(new RegExp(schema.properties.services.propertyNames.pattern).test('${X}')).toBe(false);
  });

  it('has a stable $id, the published URL every example and the README point their editors at', () => {
    expect(JSON.parse(devenvJsonSchemaText()).$id).toBe(SCHEMA_URL);
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const files = ['devenv.yml', ...readdirSync(join(root, 'examples')).map((e) => `examples/${e}/devenv.yml`)];
    for (const file of files) expect(readFileSync(join(root, file), 'utf8').split('\n')[0], file).toBe(`# yaml-language-server: $schema=${SCHEMA_URL}`);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(`# yaml-language-server: $schema=${SCHEMA_URL}`);
  });
});
