import * as z from 'zod/mini';
import { devenvSchema } from './schema.js';

/**
 * Editors check devenv.yml before interpolation, so a string value with a pattern also accepts
 * anything holding "$" (`${VAR}` must not be flagged). Map keys are not interpolated.
 */
const ALSO_INTERPOLATED = '|\\$';

/**
 * Where the schema is published: the npm package's file, served by unpkg. Examples point their
 * `# yaml-language-server: $schema=` line here, so a copied devenv.yml keeps its validation.
 */
export const SCHEMA_URL = 'https://unpkg.com/devenv-up/schemas/devenv.schema.json';

/** The text of schemas/devenv.schema.json: pretty JSON with a trailing newline. */
export function devenvJsonSchemaText(): string {
  const schema = z.toJSONSchema(devenvSchema, {
    io: 'input',
    override: (ctx) => {
      const json = ctx.jsonSchema as { type?: unknown; pattern?: string };
      const interpolated = !ctx.path.includes('propertyNames');
      if (interpolated && json.type === 'string' && typeof json.pattern === 'string' && !json.pattern.endsWith(ALSO_INTERPOLATED)) {
        json.pattern += ALSO_INTERPOLATED;
      }
    },
  });
  const { $schema, ...rest } = schema as { $schema?: string };
  return `${JSON.stringify({ $schema, $id: SCHEMA_URL, ...rest }, null, 2)}\n`;
}
