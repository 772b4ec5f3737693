import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { scenarioJsonSchema } from '../index.js';
import { scenarioJsonSchemaText } from '../json-schema.js';

const dir = fileURLToPath(new URL('../', import.meta.url));
const shipped = readFileSync(`${dir}osdlab-scenario.schema.json`, 'utf8');

describe('scenario JSON Schema', () => {
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(shipped));

  it('the shipped file is what the code generates (run `npm run schema` after changing the schema)', () => {
    expect(shipped === scenarioJsonSchemaText(), 'scenarios/osdlab-scenario.schema.json is stale: run npm run schema').to.equal(true);
  });

  it('an independent validator (ajv) accepts every shipped scenario', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files).to.have.length.greaterThan(0);
    for (const f of files) {
      const ok = validate(parse(readFileSync(`${dir}${f}`, 'utf8')));
      expect(ok, `${f}: ${JSON.stringify(validate.errors)}`).to.equal(true);
    }
  });

  it('ajv rejects what osdlab rejects: wrong enum, unknown field, bad size unit, malformed MAC', () => {
    const bad = [
      { machines: [{ name: 'PC01', firmware: 'efi' }] },
      { machines: [{ name: 'PC01', nics: [] }] },
      { machines: [{ name: 'PC01', memory: '4GX' }] },
      { machines: [{ name: 'PC01', nic: { mac: '52:54:00:12:34' } }] },
      { deployments: [{ name: 'd', taskSequence: 'ts.xml' }] },
    ];
    for (const doc of bad) expect(validate(doc), JSON.stringify(doc)).to.equal(false);
  });

  it('documents defaults and descriptions for editors', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, { items?: { properties: Record<string, { default?: unknown; description?: string }> } }> };
    const machine = schema.properties.machines.items!.properties;
    expect(machine.firmware.default).to.equal('uefi');
    expect(machine.memory.default).to.equal('4GB');
    expect(machine.clientCacheSize.description).to.match(/Default: 5GB/);
  });
});
