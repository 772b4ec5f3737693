// An x64 boot image on an x86 machine, through `osdlab run --backend qemu`: boot media of the wrong
// architecture start, then fail (osd-behaviours §6.2); the run folder's console log shows the
// kernel's own reason.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../../../harness/index.js';
import { runCli } from '../../../cli/test/run-cli.js';
import { namespacesUnavailable, qemuUnavailable } from './helpers.js';

const SCENARIO = `
name: x64-media-on-x86
site:
  boundaries: [{ name: LAB, subnet: 198.18.61.0/24 }]
  managementPoint: { name: MP01, boundary: LAB }
  distributionPoints: [{ name: DP01, boundary: LAB }]
content:
  bootImages: [{ id: LAB00002, name: Boot image (x64), arch: x64, size: 480MB }]
collections: [{ name: All Unknown Computers, unknownComputers: true }]
deployments:
  - name: Prepare disk
    collection: All Unknown Computers
    purpose: available
    availableTo: mediaAndPxe
    bootImage: LAB00002
    taskSequence:
      steps:
        - { name: Partition Disk 0, type: FormatAndPartitionDisk, with: { OSDDiskIndex: 0, OSDPartitionStyle: MBR }, partitions: [{ type: Primary, size: 100%, fileSystem: NTFS }] }
media:
  - { name: Boot media x64, type: boot, bootImage: LAB00002, format: iso }
machines:
  - name: PC-X86
    firmware: bios
    arch: x86
    memory: 512MB
    disks: [{ size: 1GB }]
    media: Boot media x64
    bootOrder: [media]
    boundary: LAB
    expect: { outcome: failed }
`;

describe('lab/qemu x64 boot image on an x86 machine, through the CLI @slow @qemu', function () {
  this.timeout(600_000);
  let dir: string;

  before(async function () {
    const why = (await qemuUnavailable()) ?? (await namespacesUnavailable());
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'osdlab-arch-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the run fails before any step, and machines/<name>/console.log in the run folder holds the kernel\'s reason', async () => {
    await writeFile(join(dir, 'scenario.yaml'), SCENARIO);
    const out = join(dir, 'run');
    const r = await runCli(['run', join(dir, 'scenario.yaml'), '--backend', 'qemu', '--out', out], { timeoutMs: 540_000 });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as RunResult;
    const [machine] = result.machines;
    expect(machine).to.include({ name: 'PC-X86', outcome: 'failed', pass: true });
    expect(machine!.steps.find((s) => s.name === 'Partition Disk 0')?.status).to.equal('notRun');
    expect(JSON.stringify(machine)).to.contain('requires an x86-64 CPU');
    const console = await readFile(join(out, 'machines', 'PC-X86', 'console.log'), 'utf8');
    expect(console).to.include('This kernel requires an x86-64 CPU, but only detected an i686 CPU');
  });
});
