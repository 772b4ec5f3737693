// Issue 8 acceptance 2 and issue 5's "boot image without the NIC driver" on real machines: the
// boot-image-nic scenario (drivers/test/fixtures/scenarios) on --backend qemu. Its boot image lists
// viostor only, so the virtio-net machine's Windows PE has no virtio_net module, no network, and
// the first download from the distribution point fails; with netkvm.inf in the list the same run
// downloads its content and Auto Apply Drivers stages NetKVM into the applied Windows. The twin's
// verdicts for the same two files are in lab/twin/test/drivers.test.ts.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { NIC_SCENARIO, VIRTIO } from '../../../../drivers/test/helpers.js';
import { namespacesUnavailable, qemuUnavailable } from '../../test/helpers.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface Result {
  machines: { outcome: string; pass: boolean; failedStep?: string; steps: { name: string; status: string; exitCode?: number }[] }[];
}

const PASSING_EXPECT = `    expect:
      outcome: success
      steps:
        Apply Operating System Image: success
        Apply Device Drivers: success
`;

describe('boot image driver list on real machines: Windows PE without the NIC\'s driver @qemu @slow', function () {
  this.timeout(1_200_000);
  let dir: string;

  before(async function () {
    const why = (await qemuUnavailable()) ?? (await namespacesUnavailable());
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'osdlab-nic-'));
  });
  after(() => dir && rm(dir, { recursive: true, force: true }));

  /** Runs the scenario (with its driver source made absolute, so the copy runs from anywhere) through the CLI. */
  async function run(name: string, edit: (text: string) => string): Promise<{ result: Result; smsts: string; all: string; exitCode?: number }> {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, edit((await readFile(NIC_SCENARIO, 'utf8')).replace('source: ../virtio-win', `source: ${VIRTIO}`)));
    const out = join(dir, name);
    const r = await execa('node', ['bin/osdlab.js', 'run', file, '--backend', 'qemu', '--out', out], { cwd: ROOT, reject: false, all: true });
    const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as Result;
    return { result, smsts: await readFile(join(out, 'machines', 'PC-VIRTIO-01', 'smsts.log'), 'utf8'), all: String(r.all), exitCode: r.exitCode };
  }

  it('without netkvm.inf: no network adapter in Windows PE, the OS image download fails with 0x80004005', async () => {
    const r = await run('without-nic', (t) => t);
    const m = r.result.machines[0]!;
    expect(m.pass, r.all).to.equal(true);
    expect(m.outcome).to.equal('failed');
    expect(m.steps.find((s) => s.name === 'Apply Operating System Image')).to.deep.include({ status: 'failed', exitCode: 0x80004005 });
    expect(r.smsts).to.include('network: no network adapter has a driver in this boot image');
  });

  it('with netkvm.inf: the content comes from the DP and Auto Apply Drivers stages NetKVM', async () => {
    const r = await run('with-nic', (t) => t.replace('drivers: [viostor.inf]', 'drivers: [viostor.inf, netkvm.inf]').replace(/ {4}expect:\n(.|\n)*$/, PASSING_EXPECT));
    const m = r.result.machines[0]!;
    expect(m.pass, `${r.all}\n${JSON.stringify(m.steps)}`).to.equal(true);
    expect(m.outcome).to.equal('success');
    expect(r.smsts).to.match(/Staged netkvm\.inf into C:\\Windows\\System32\\DriverStore\\FileRepository\\netkvm\.inf_amd64_[0-9a-f]{16} as C:\\Windows\\INF\\oem0\.inf/);
    expect(r.smsts).to.include('PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00 -> netkvm.inf');
  });
});
