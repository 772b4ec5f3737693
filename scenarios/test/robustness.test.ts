import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError, parseScenario } from '../index.js';

const dir = fileURLToPath(new URL('../', import.meta.url));
const sources = ['bare-metal-uefi-gpt-pxe.yaml', 'refresh-user-state-smp.yaml', 'branch-office-500-clients.yaml'].map((f) => ({
  file: `${dir}${f}`,
  lines: readFileSync(`${dir}${f}`, 'utf8').split('\n'),
}));

// Typical slips: a line lost, a value replaced, a line indented wrongly, a line duplicated.
const edit = fc.record({
  source: fc.nat({ max: sources.length - 1 }),
  line: fc.nat(),
  kind: fc.constantFrom('delete', 'value', 'indent', 'duplicate'),
  value: fc.constantFrom('-1', 'efi', '[]', '{}', '4GX', 'null', '"', 'x: y', '12:34', '0Mbit', '~'),
});

describe('loader robustness', () => {
  it('any edited example either loads or fails with positioned input problems, never a crash (property)', async () => {
    await fc.assert(
      fc.asyncProperty(edit, async ({ source, line, kind, value }) => {
        const { file, lines } = sources[source];
        const i = line % lines.length;
        const copy = [...lines];
        if (kind === 'delete') copy.splice(i, 1);
        else if (kind === 'duplicate') copy.splice(i, 0, copy[i]);
        else if (kind === 'indent') copy[i] = ` ${copy[i]}`;
        else copy[i] = copy[i].replace(/:\s.*$/, `: ${value}`);
        try {
          await parseScenario(file, copy.join('\n'));
        } catch (err) {
          expect(err, String((err as Error).stack)).to.be.instanceOf(InputError);
          for (const p of (err as InputError).problems) {
            expect(p.file).to.equal(file);
            expect(p.line, p.message).to.be.a('number');
            expect(p.column, p.message).to.be.a('number');
          }
        }
      }),
      { numRuns: 250 },
    );
  });
});
