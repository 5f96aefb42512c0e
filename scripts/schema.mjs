// Writes schema/parley.schema.json (the JSON Schema of `parley apply` files, for editors) from
// the TypeBox schema apply checks against. A test keeps the two equal: run `npm run schema`
// after changing cli/provision/schema.ts.
import { writeFileSync } from 'node:fs';
import { jsonSchema } from '../dist/cli/provision/schema.js';

writeFileSync(new URL('../schema/parley.schema.json', import.meta.url), `${JSON.stringify(jsonSchema(), null, 2)}\n`);
