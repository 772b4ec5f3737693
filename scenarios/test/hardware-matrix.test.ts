// scenarios/hardware-matrix.yaml on the twin: the sixteen combinations and the verdict each must give
// (written out here too, so a change to the file's expectations or to the twin shows up).
import { expect } from 'chai';
import { runScenario } from '../../harness/index.js';
import { TwinBackend } from '../../lab/index.js';
import { loadScenario } from '../index.js';
import { formatTable, HARDWARE_MATRIX, matrixRows } from '../../scripts/hardware-matrix.js';

const SETUP = 'failed at "Setup Windows and ConfigMgr"';
const apply = (arch: string) => `failed at "Apply Operating System Image (${arch})"`;

function verdictOf(firmware: string, arch: string, style: string, type: string): string {
  if (type === 'dynamic') return apply(arch);
  return (firmware === 'bios') === (style === 'mbr') ? 'success' : SETUP;
}

describe('scenarios/hardware-matrix.yaml on the twin', function () {
  this.timeout(60_000);

  it('sixteen combinations, each with the verdict ConfigMgr gives, and every one met', async () => {
    const scenario = await loadScenario(HARDWARE_MATRIX);
    const run = await runScenario(scenario, { backend: new TwinBackend() });
    const rows = matrixRows(scenario, run.result.machines);
    expect(rows).to.have.length(16);
    for (const row of rows) {
      const [firmware, arch, style, type] = /^PC\[(.*)\]$/.exec(row.combination)![1]!.split(',') as [string, string, string, string];
      expect(row, row.combination).to.deep.equal({ combination: row.combination, expected: verdictOf(firmware, arch, style, type), actual: verdictOf(firmware, arch, style, type), pass: true });
    }
    expect(rows.filter((r) => r.actual === 'success').map((r) => r.combination).sort()).to.deep.equal([
      'PC[bios,x64,mbr,basic]', 'PC[bios,x86,mbr,basic]', 'PC[uefi,x64,gpt,basic]', 'PC[uefi,x86,gpt,basic]',
    ]);
    expect(run.result.pass).to.equal(true);
  });

  it('the table shows combination, expected and actual, and marks a combination that misses its verdict', () => {
    const table = formatTable([
      { combination: 'PC[bios,x64,mbr,basic]', expected: 'success', actual: 'success', pass: true },
      { combination: 'PC[uefi,x64,mbr,basic]', expected: SETUP, actual: 'success', pass: false },
    ]).split('\n');
    expect(table[0]).to.match(/^\s+combination\s+expected\s+actual$/);
    expect(table[1]).to.match(/^PASS {2}PC\[bios,x64,mbr,basic\] +success +success$/);
    expect(table[2]).to.match(/^FAIL {2}PC\[uefi,x64,mbr,basic\] +failed at "Setup Windows and ConfigMgr" +success$/);
  });
});
