// Issue 8 acceptance 2 on the twin: a boot image whose driver list lacks the machine's NIC driver
// leaves Windows PE without network, so the first download fails; with the driver it passes, and
// Auto Apply Drivers then stages the drivers the QEMU lab would stage (same plan, drivers/).
import { expect } from 'chai';
import { runScenario, type ScenarioRun } from '../../../harness/index.js';
import { nicScenario } from '../../../drivers/test/helpers.js';
import { TwinBackend } from '../scenario-lab.js';
import { EXIT } from '../exit-codes.js';

async function run(drivers: string): Promise<ScenarioRun> {
  return runScenario(await nicScenario(drivers), { backend: new TwinBackend() });
}

const smsts = (r: ScenarioRun) => [...r.logs.values()][0]!.map((f) => f.text).join('\n');
const step = (r: ScenarioRun, name: string) => r.result.machines[0]!.steps.find((s) => s.name === name)!;

describe('twin: boot image driver list and Windows PE\'s network', function () {
  this.timeout(20_000);

  it('without the NIC\'s driver: no network in Windows PE, the first download fails with 0x80004005 and the adapter message', async () => {
    const r = await run('[viostor.inf]');
    const m = r.result.machines[0]!;
    expect(m.pass, JSON.stringify(m.expectations)).to.equal(true);
    expect(m.outcome).to.equal('failed');
    expect(step(r, 'Apply Operating System Image')).to.deep.include({ status: 'failed', exitCode: EXIT.generalFailure });
    expect(smsts(r)).to.include('Failed to find a valid network adapter. Please ensure that this machine has network drivers.');
    expect(smsts(r)).to.include('boot image LAB00002 has no driver for the network adapter PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00');
  });

  it('with netkvm.inf in the list: the run gets its content and Auto Apply Drivers stages netkvm (and not viostor: the disk is on AHCI)', async () => {
    const r = await run('[viostor.inf, netkvm.inf]');
    const m = r.result.machines[0]!;
    expect(m.outcome, JSON.stringify(m.steps)).to.equal('success');
    expect(m.pass).to.equal(false);
    expect(step(r, 'Apply Operating System Image').status).to.equal('success');
    expect(step(r, 'Apply Device Drivers').status).to.equal('success');
    const log = smsts(r);
    expect(log).to.match(/Staged netkvm\.inf into C:\\Windows\\System32\\DriverStore\\FileRepository\\netkvm\.inf_amd64_[0-9a-f]{16} as C:\\Windows\\INF\\oem0\.inf/);
    expect(log, 'the disk is on AHCI: no device for viostor').not.to.include('Staged viostor.inf');
    expect(log).to.include('PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00 -> netkvm.inf [RedHat.NT$ARCH$] rank 0x80FF0000');
  });
});
