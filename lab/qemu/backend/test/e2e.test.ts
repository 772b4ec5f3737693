// One scenario end to end on real machines through the CLI: stand-alone media on a BIOS machine
// (partition, apply a real WIM, Setup Windows, restart through the firmware into the full OS from
// its disk, a full-OS step), scored against its expect: block, disks read back from the qcow2.
// Then the shipped bare-metal-bios-mbr-media example as it stands (boot media, content from the DP, Auto
// Apply Drivers), with the files the driver step leaves added to its expectations.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { qemuUnavailable } from '../../test/helpers.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCENARIO = fileURLToPath(new URL('./fixtures/standalone-media-bios.yaml', import.meta.url));

interface Result {
  pass: boolean;
  backend: string;
  machines: { name: string; outcome: string; pass: boolean; expectations: { what: string; pass: boolean; actual: unknown }[]; steps: { name: string; status: string }[] }[];
}

describe('osdlab run --backend qemu, stand-alone media on BIOS @qemu @slow', function () {
  this.timeout(900_000);
  let out: string;

  before(async function () {
    const why = await qemuUnavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    out = await mkdtemp(join(tmpdir(), 'osdlab-qemu-e2e-'));
  });
  after(() => out && rm(out, { recursive: true, force: true }));

  it('deploys to the disk, boots the full OS from it and meets every expectation', async () => {
    const started = Date.now();
    const run = await execa('node', ['bin/osdlab.js', 'run', SCENARIO, '--backend', 'qemu', '--out', out], { cwd: ROOT, reject: false, all: true });
    console.log(`      (wall time ${Math.round((Date.now() - started) / 1000)} s)`);
    const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as Result;
    const machine = result.machines[0]!;
    const failed = machine.expectations.filter((e) => !e.pass);
    expect(failed, `${String(run.all)}\n${JSON.stringify(machine.steps)}`).to.deep.equal([]);
    expect(run.exitCode).to.equal(0);
    expect(result).to.include({ pass: true, backend: 'qemu' });
    expect(machine.steps.map((s) => [s.name, s.status])).to.deep.include(['Write deployment stamp', 'success']);
    expect(await readFile(join(out, 'machines', 'PC-E2E-01', 'smsts.log'), 'utf8')).to.include('Write deployment stamp');
  });

  it('the shipped bare-metal-bios-mbr-media: boot media, content from the DP, Auto Apply Drivers staged into the applied Windows, full OS', async () => {
    // The example as shipped, plus the files Auto Apply Drivers leaves (its driver package names hardware IDs only).
    const shipped = await readFile(join(ROOT, 'scenarios/bare-metal-bios-mbr-media.yaml'), 'utf8');
    const stamp = '        - C:\\Windows\\Temp\\osdlab-stamp.txt\n';
    expect(shipped).to.include(stamp);
    const scenario = join(out, 'bare-metal-bios-mbr-media.yaml');
    await writeFile(scenario, shipped.replace(stamp, `${stamp}        - C:\\Windows\\INF\\setupapi.offline.log\n        - C:\\Windows\\System32\\DriverStore\\FileRepository\\lab00004_amd64\\package.txt\n`));
    const runOut = join(out, 'bios-example');
    const run = await execa('node', ['bin/osdlab.js', 'run', scenario, '--backend', 'qemu', '--out', runOut], { cwd: ROOT, reject: false, all: true });
    const result = JSON.parse(await readFile(join(runOut, 'result.json'), 'utf8')) as Result;
    const machine = result.machines[0]!;
    expect(machine.expectations.filter((e) => !e.pass), `${String(run.all)}\n${JSON.stringify(machine.steps)}`).to.deep.equal([]);
    expect(run.exitCode).to.equal(0);
    expect(machine.steps.map((s) => [s.name, s.status])).to.deep.include.members([['Apply Device Drivers', 'success'], ['Write deployment stamp', 'success']]);
    const smsts = await readFile(join(runOut, 'machines', 'PC-BIOS-01', 'smsts.log'), 'utf8');
    // The e1000's IDs as the guest's sysfs gives them, and what Windows Setup installs for it.
    expect(smsts).to.include('Device PCI\\VEN_8086&DEV_100E&SUBSYS_11001AF4&REV_03: Auto Apply Drivers (best matched driver) stages LAB00004 (hardwareIds)');
  });
});
