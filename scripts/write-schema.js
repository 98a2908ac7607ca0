// Writes schemas/devenv.schema.json from the zod schema. Run `npm run build` first: this imports dist/.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const { devenvJsonSchemaText } = await import('../dist/config/json-schema.js');
const target = fileURLToPath(new URL('../schemas/devenv.schema.json', import.meta.url));
writeFileSync(target, devenvJsonSchemaText());
console.log(`wrote ${target}`);
