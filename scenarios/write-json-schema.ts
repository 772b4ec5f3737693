// `npm run schema`: regenerates scenarios/osdlab-scenario.schema.json from the zod schema.
import { writeFile } from 'node:fs/promises';
import { scenarioJsonSchemaText } from './json-schema.js';

const target = new URL('./osdlab-scenario.schema.json', import.meta.url);
await writeFile(target, scenarioJsonSchemaText());
process.stdout.write(`wrote ${target.pathname}\n`);
