// scenarios/hardware-matrix.yaml on the twin: the sixteen combinations and the verdict each must give
// (written out here too, so a change to the file's expectations or to the twin shows up), and a
// representative subset on real QEMU machines.
import { expect } from 'chai';
import { execa } from 'execa';
import { runScenario } from '../../harness/index.js';
import { QemuBackend, TwinBackend } from '../../lab/index.js';
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

/** The combinations CI runs on real machines: one that boots its new OS, one refused at Apply on a dynamic disk. */
const QEMU_SUBSET = ['PC[bios,x64,mbr,basic]', 'PC[bios,x64,mbr,dynamic]'];

describe('scenarios/hardware-matrix.yaml on QEMU (representative subset) @slow @qemu', function () {
  this.timeout(1_800_000);

  before(async function () {
    const why = process.getuid?.() !== 0 ? 'the QEMU lab needs root (network namespaces)' : (await execa('qemu-system-x86_64', ['--version'], { reject: false })).exitCode !== 0 ? 'qemu-system-x86_64 is not installed' : undefined;
    if (why) {
      console.log(`    (skipped: ${why}; run scripts/setup.sh)`);
      return this.skip();
    }
  });

  it(`${QEMU_SUBSET.join(' and ')} meet the verdicts the file gives them`, async () => {
    const scenario = await loadScenario(HARDWARE_MATRIX);
    const run = await runScenario(scenario, { backend: new QemuBackend(), only: QEMU_SUBSET });
    const rows = matrixRows(scenario, run.result.machines);
    expect(rows.map((r) => r.combination).sort(), formatTable(rows)).to.deep.equal([...QEMU_SUBSET].sort());
    expect(rows.filter((r) => !r.pass), formatTable(rows)).to.deep.equal([]);
    expect(rows.find((r) => r.combination === 'PC[bios,x64,mbr,basic]')?.actual).to.equal('success');
    expect(rows.find((r) => r.combination === 'PC[bios,x64,mbr,dynamic]')?.actual).to.equal(apply('x64'));
    const dynamic = run.result.machines.find((m) => m.name === 'PC[bios,x64,mbr,dynamic]')!;
    expect(dynamic.steps.find((s) => s.name === 'Partition Disk 0 - MBR')?.status).to.equal('success');
    expect(dynamic.steps.find((s) => s.name === 'Apply Operating System Image (x64)')?.reason).to.match(/basic disk cannot be applied to a dynamic disk/);
  });
});
