// The JSON Schema shipped as scenarios/osdlab-scenario.schema.json, generated from the zod
// schema so that editors check scenario files against the same rules as osdlab.
import { z } from 'zod';
import { scenarioSchema } from './schema.js';

export const JSON_SCHEMA_ID = 'https://osdlab.invalid/osdlab-scenario.schema.json';

/** The scenario schema as JSON Schema (draft 2020-12), describing the file as written. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return { ...schema, $id: JSON_SCHEMA_ID, title: 'osdlab scenario' };
}

/** The schema file's text: what `npm run schema` writes and the staleness test compares. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
