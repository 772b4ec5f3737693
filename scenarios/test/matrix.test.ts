import { expect } from 'chai';
import { InputError, parseScenario, type Scenario } from '../index.js';

const FILE = '/virtual/matrix.yaml';

async function load(text: string): Promise<Scenario> {
  return parseScenario(FILE, text);
}

async function problems(text: string) {
  try {
    await load(text);
  } catch (err) {
    if (err instanceof InputError) return err.problems;
    throw err;
  }
  throw new Error('expected problems');
}

// Issue 6's shape: firmware × arch × partition style × disk type with per-combination verdicts.
const SIXTEEN = `
machines:
  - name: PC01
    nic: { mac: 52:54:00:aa:00:fe }
    matrix:
      firmware: [bios, uefi]
      arch: [x86, x64]
      partitionStyle: [mbr, gpt]
      diskType: [basic, dynamic]
    expect:
      - { outcome: success, bootsToFullOs: true }
      - when: { firmware: uefi, partitionStyle: mbr }
        outcome: failed
        failedStep: Restart Computer
        bootsToFullOs: false
      - when: { firmware: bios, partitionStyle: gpt }
        outcome: failed
        failedStep: Restart Computer
      - when: { diskType: dynamic }
        steps: { Convert Disk to Dynamic: success }
`;

describe('matrix expansion', () => {
  it('expands firmware × arch × partition style × disk type into 16 named machines with axes', async () => {
    const s = await load(SIXTEEN);
    expect(s.machines).to.have.length(16);
    expect(s.machines[0].name).to.equal('PC01[bios,x86,mbr,basic]');
    expect(s.machines[15].name).to.equal('PC01[uefi,x64,gpt,dynamic]');
    const m = s.machines.find((x) => x.name === 'PC01[uefi,x64,gpt,basic]')!;
    expect(m).to.deep.include({ firmware: 'uefi', arch: 'x64', partitionStyle: 'gpt', diskType: 'basic', template: 'PC01' });
    expect(m.axes).to.deep.equal({ firmware: 'uefi', arch: 'x64', partitionStyle: 'gpt', diskType: 'basic' });
    expect(m.variables).to.deep.equal({ OSDPartitionStyle: 'GPT', OSDDiskType: 'BASIC' });
    expect(new Set(s.machines.map((x) => x.name)).size).to.equal(16);
  });

  it('gives each combination its verdict from the matching rules, later rules overriding earlier', async () => {
    const s = await load(SIXTEEN);
    const byName = new Map(s.machines.map((m) => [m.name, m]));
    expect(byName.get('PC01[uefi,x64,mbr,basic]')!.expect).to.deep.equal({ outcome: 'failed', failedStep: 'Restart Computer', bootsToFullOs: false });
    expect(byName.get('PC01[bios,x86,gpt,basic]')!.expect).to.deep.equal({ outcome: 'failed', failedStep: 'Restart Computer', bootsToFullOs: true });
    expect(byName.get('PC01[uefi,x64,gpt,dynamic]')!.expect).to.deep.equal({ outcome: 'success', bootsToFullOs: true, steps: { 'Convert Disk to Dynamic': 'success' } });
    const failed = s.machines.filter((m) => m.expect?.outcome === 'failed').map((m) => m.name);
    expect(failed).to.have.length(8);
  });

  it('gives each combination its own MAC (template MAC + combination number, carrying) and SMBIOS GUID', async () => {
    const s = await load(SIXTEEN);
    expect(s.machines[0].nic.mac).to.equal('52:54:00:AA:00:FE');
    expect(s.machines[1].nic.mac).to.equal('52:54:00:AA:00:FF');
    expect(s.machines[2].nic.mac).to.equal('52:54:00:AA:01:00');
    expect(new Set(s.machines.map((m) => m.smbios.uuid)).size).to.equal(16);
  });

  it('varies nested fields and parses their values (disks[0].size, nic.model, memory)', async () => {
    const s = await load(`
machines:
  - name: VM
    disks: [{ size: 10GB }, { size: 1GB }]
    matrix:
      disks[1].size: [20GB, 1TiB]
      nic.model: [virtio, e1000]
      memory: [2GB]
`);
    expect(s.machines.map((m) => m.name)).to.deep.equal(['VM[20GB,virtio,2GB]', 'VM[20GB,e1000,2GB]', 'VM[1TiB,virtio,2GB]', 'VM[1TiB,e1000,2GB]']);
    expect(s.machines[2].disks.map((d) => d.size)).to.deep.equal([10 * 2 ** 30, 2 ** 40]);
    expect(s.machines[3].nic.model).to.equal('e1000');
    expect(s.machines[0].memory).to.equal(2 * 2 ** 30);
  });

  it('reports bad axis values at the value, with the axis path', async () => {
    const p = await problems(`
machines:
  - name: PC01
    matrix:
      firmware: [bios, efi]
      memory: [2GB, 4GX]
`);
    expect(p.map((x) => `${x.line}:${x.column} ${x.path}: ${x.message}`)).to.deep.equal([
      '5:24 machines[0].matrix.firmware[1]: "efi" is not one of bios, uefi',
      '6:21 machines[0].matrix.memory[1]: "4GX" is not a size; use a number with one of B, KB, MB, GB, TB, KiB, MiB, GiB, TiB (e.g. 500MB, 4GB, 1.5TiB)',
    ]);
  });

  it('reports an axis whose list element does not exist, and rules naming no axis', async () => {
    const p = await problems(`
machines:
  - name: PC01
    matrix:
      disks[2].size: [1GB]
    expect:
      - { when: { firmwar: uefi }, outcome: failed }
`);
    expect(p.map((x) => [x.line, x.path, x.message])).to.deep.equal([
      [5, 'machines[0].matrix["disks[2].size"]', 'the machine has no disks[2] for this axis to vary'],
      [7, 'machines[0].expect[0].when.firmwar', '"firmwar" is not a matrix axis of this machine; allowed: disks[2].size'],
    ]);
  });

  it('finds machine names that collide after expansion', async () => {
    const p = await problems(`
machines:
  - name: PC01
    matrix: { firmware: [bios, uefi] }
  - name: PC01[uefi]
`);
    expect(p).to.have.length(1);
    expect(p[0]).to.deep.include({ line: 5, path: 'machines[1].name' });
    expect(p[0].message).to.equal('duplicate machine name "PC01[uefi]"; already used by machines[0].matrix (line 4)');
  });
});
