// One scenario end to end on real machines through the CLI: stand-alone media on a BIOS machine
// (partition, apply a real WIM, Setup Windows, restart through the firmware into the full OS from
// its disk, a full-OS step), scored against its expect: block, disks read back from the qcow2.
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
});
