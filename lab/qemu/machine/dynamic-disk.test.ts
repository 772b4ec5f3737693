// Convert Disk to Dynamic on a running machine: the LDM database goes onto the guest's disk through
// the agent; the guest kernel's LDM parser then shows the volumes as block devices with their sizes,
// and ldmtool (libldm) reads the same disk on the host after power-off. Both are independent judges.
import { expect } from 'chai';
import { join } from 'node:path';
import { execa } from 'execa';
import { launchMachine, type QemuMachine } from '../machine-process.js';
import { timeoutScale } from '../machine-command.js';
import { withLabRun } from '../lab-run.js';
import { directBootSpec, qemuUnavailable, testBootImage } from '../test/helpers.js';
import { ldmtool, toolsUnavailable } from '../disk/test/helpers.js';
import type { AgentChannel } from '../agent-channel.js';
import { convertGuestDisk, GuestBlockDevice, isDynamicDisk } from './dynamic-disk.js';
import { fixedDisks, parseVolumes } from './guest-disks.js';
import { GuestShell } from './guest-shell.js';
import { planPartitions } from './partition-plan.js';
import { bootLabMachine, labImagesForSuite, OS_PACKAGE } from './test/fixtures.js';
import { EXIT } from '../../twin/index.js';
import type { PartitionSpec } from '../../../harness/index.js';

const MIB = 2 ** 20;
const DISK_BYTES = 256 * MIB;

async function boot(run: { tempDir: string; cleanup: Parameters<typeof launchMachine>[0]['cleanup']; signal: AbortSignal }, disk: string): Promise<{ machine: QemuMachine; agent: AgentChannel }> {
  const image = await testBootImage(['virtio-blk']);
  const machine = await launchMachine({
    spec: directBootSpec(image, { disks: [{ controller: 'virtio-blk', path: disk, format: 'raw' }] }),
    accel: 'tcg',
    outputDir: join(run.tempDir, 'out'),
    stateDir: join(run.tempDir, 'pc1'),
    cleanup: run.cleanup,
    signal: run.signal,
  });
  return { machine, agent: await machine.agent({ helloTimeoutMs: 12_000 * timeoutScale('tcg'), signal: run.signal }) };
}

/** Partition sizes in KiB as the guest kernel lists them in /proc/partitions. */
async function kernelPartitions(shell: GuestShell): Promise<Record<string, number>> {
  const lines = await shell.must("awk '$4 ~ /^vda[0-9]+$/ { print $4, $3 }' /proc/partitions", 30);
  return Object.fromEntries(lines.map((l) => l.split(' ')).map(([name, kib]) => [name!, Number(kib)]));
}

describe('lab/qemu/machine Convert Disk to Dynamic on a running machine @slow @qemu', function () {
  this.timeout(300_000);

  before(async function () {
    const why = (await qemuUnavailable()) ?? (await toolsUnavailable(['ldmtool']));
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
  });

  it('MBR: the guest kernel shows each simple volume with its size, data kept; ldmtool on the host agrees; a second conversion is refused', async () => {
    await withLabRun(`dyn-mbr-${process.pid}`, async (run) => {
      const disk = join(run.tempDir, 'disk0.raw');
      await execa('truncate', ['-s', String(DISK_BYTES), disk]);
      const { machine, agent } = await boot(run, disk);
      const shell = new GuestShell(agent, timeoutScale('tcg'));
      await shell.must(
        "printf 'label: dos\\nstart=2048, size=64MiB, type=7, bootable\\nsize=100MiB, type=7\\nsize=40MiB, type=c\\n' | sfdisk -q /dev/vda && " +
          'mkntfs -Q -L System /dev/vda1 >/dev/null && mkntfs -Q -L Windows /dev/vda2 >/dev/null && mkfs.vfat -n DATA /dev/vda3 >/dev/null && ' +
          'ntfs-3g /dev/vda2 /mnt && echo kept > /mnt/proof.txt && umount /mnt',
        120,
      );
      const [guestDisk] = fixedDisks(agent.helloFacts);
      expect(await isDynamicDisk(shell, guestDisk!)).to.equal(false);

      const outcome = await convertGuestDisk(shell, guestDisk!);
      expect(outcome.exitCode, outcome.output?.join('\n')).to.equal(0);
      expect(outcome.output?.[0]).to.match(/converted to dynamic: 3 simple volume\(s\)/);
      expect(await isDynamicDisk(shell, guestDisk!)).to.equal(true);
      // The kernel's LDM parser: one block device per volume, the 0x42 container gone.
      expect(await kernelPartitions(shell)).to.deep.equal({ vda1: 64 * 1024, vda2: 100 * 1024, vda3: 40 * 1024 });
      const data = await shell.must('blkid -o value -s LABEL /dev/vda2 && ntfs-3g /dev/vda2 /mnt && cat /mnt/proof.txt && umount /mnt', 60);
      expect(data).to.deep.equal(['Windows', 'kept']);

      const again = await convertGuestDisk(shell, guestDisk!);
      expect(again.exitCode).to.not.equal(0);
      expect(again.output?.join('\n')).to.match(/already dynamic/);
      await agent.poweroff({ timeoutMs: 30_000, signal: run.signal });
      await machine.exited;

      const group = ((await ldmtool(disk, 'scan')) as string[])[0]!;
      expect(await ldmtool(disk, 'show', 'diskgroup', group)).to.deep.include({ volumes: ['Volume1', 'Volume2', 'Volume3'] });
      // ldmtool counts sectors.
      const sizes = [64, 100, 40].map((m) => (m * MIB) / 512);
      for (const [i, size] of sizes.entries()) {
        expect(await ldmtool(disk, 'show', 'volume', group, `Volume${i + 1}`)).to.deep.include({ type: 'simple', size });
      }
    });
  });

  it('GPT: ESP and MSR stay, the basic data partition becomes an LDM data partition over the same sectors; ldmtool reads the volume', async () => {
    await withLabRun(`dyn-gpt-${process.pid}`, async (run) => {
      const disk = join(run.tempDir, 'disk0.raw');
      await execa('truncate', ['-s', String(DISK_BYTES), disk]);
      const { machine, agent } = await boot(run, disk);
      const shell = new GuestShell(agent, timeoutScale('tcg'));
      await shell.must(
        'sgdisk -n 1:2048:+32M -t 1:EF00 -n 2:0:+16M -t 2:0C01 -n 3:0:+150M -t 3:0700 /dev/vda >/dev/null && mkfs.vfat -n SYSTEM /dev/vda1 >/dev/null && mkntfs -Q -L Windows /dev/vda3 >/dev/null',
        120,
      );
      const [guestDisk] = fixedDisks(agent.helloFacts);
      const outcome = await convertGuestDisk(shell, guestDisk!);
      expect(outcome.exitCode, outcome.output?.join('\n')).to.equal(0);
      const table = JSON.parse((await shell.must('sfdisk --json /dev/vda', 30)).join('\n')) as { partitiontable: { partitions: { start: number; size: number; type: string }[] } };
      const types = table.partitiontable.partitions.map((p) => p.type);
      expect(types).to.include.members(['C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 'E3C9E316-0B5C-4DB8-817D-F92DF00215AE', '5808C8AA-7E8F-42E0-85D2-E1E90434CFB3', 'AF9B60A0-1431-4F62-BC68-3311714A69AD']);
      // The kernel does not read LDM on GPT: the volume is the LDM data partition itself.
      const data = table.partitiontable.partitions.find((p) => p.type === 'AF9B60A0-1431-4F62-BC68-3311714A69AD')!;
      expect(data.size * 512).to.equal(150 * MIB);
      expect(await isDynamicDisk(shell, guestDisk!)).to.equal(true);
      await agent.poweroff({ timeoutMs: 30_000, signal: run.signal });
      await machine.exited;
      const group = ((await ldmtool(disk, 'scan')) as string[])[0]!;
      expect(await ldmtool(disk, 'show', 'volume', group, 'Volume1')).to.deep.include({ type: 'simple', size: (150 * MIB) / 512 });
    });
  });

  it('reads and writes byte ranges that are not whole sectors, keeping the rest of each sector', async () => {
    await withLabRun(`dyn-bytes-${process.pid}`, async (run) => {
      const disk = join(run.tempDir, 'disk0.raw');
      await execa('truncate', ['-s', String(4 * MIB), disk]);
      const { agent } = await boot(run, disk);
      const device = new GuestBlockDevice(new GuestShell(agent, timeoutScale('tcg')), '/dev/vda', 4 * MIB);
      const pattern = Buffer.alloc(3 * 512 + 100, 0);
      pattern.fill(0xab, 0, 700).fill(0xcd, 1200);
      await device.write(512 * 10 + 300, pattern);
      await device.write(512 * 20, Buffer.from('osdlab'));
      await device.close();
      expect(await device.read(512 * 10 + 300, pattern.length)).to.deep.equal(pattern);
      expect((await device.read(512 * 10, 300)).equals(Buffer.alloc(300))).to.equal(true);
      expect((await device.read(512 * 20, 8)).toString('latin1')).to.equal('osdlab\0\0');
      expect(await device.read(4 * MIB - 10, 20).catch((e: unknown) => e)).to.be.instanceOf(RangeError);
      await agent.poweroff({ timeoutMs: 30_000, signal: run.signal });
    });
  });
});

describe('lab/qemu/machine guest volumes on dynamic disks', () => {
  const disks = [{ index: 0, device: '/dev/sda', sizeBytes: 256 * MIB, model: 'QEMU HARDDISK', controller: 'ahci' }];
  const sfdisk = (label: string, partitions: object[]) => JSON.stringify({ partitiontable: { label, sectorsize: 512, partitions } });

  it('MBR: the kernel\'s LDM volumes stand for the single 0x42 entry, each with its file system; the disk is dynamic', () => {
    const output = [
      '@disk /dev/sda', sfdisk('dos', [{ node: '/dev/sda1', start: 2048, size: 522240, type: '42', bootable: true }]),
      '@kernel /dev/sda', 'sda1 2048 131072', 'sda2 133120 204800',
      '@blkid', 'DEVNAME=/dev/sda1', 'TYPE=ntfs', 'LABEL=System', '', 'DEVNAME=/dev/sda2', 'TYPE=ntfs', 'LABEL=Windows', '',
      '@mounts',
    ];
    const volumes = parseVolumes(disks, output);
    expect(volumes.disks[0]).to.include({ style: 'mbr', dynamic: true });
    expect(volumes.partitions.map((p) => [p.device, p.offsetBytes, p.sizeBytes, p.typeId, p.label])).to.deep.equal([
      ['/dev/sda1', 2048 * 512, 64 * MIB, '42', 'System'],
      ['/dev/sda2', 133120 * 512, 100 * MIB, '42', 'Windows'],
    ]);
  });

  it('a basic MBR disk keeps the table\'s partitions (the kernel\'s list is not used)', () => {
    const output = ['@disk /dev/sda', sfdisk('dos', [{ node: '/dev/sda1', start: 2048, size: 4096, type: '7' }]), '@kernel /dev/sda', 'sda1 2048 4096', 'sda5 9999 1', '@blkid', '@mounts'];
    const volumes = parseVolumes(disks, output);
    expect(volumes.disks[0]).to.include({ dynamic: false });
    expect(volumes.partitions.map((p) => p.device)).to.deep.equal(['/dev/sda1']);
  });

  it('GPT: LDM metadata and data partitions make the disk dynamic', () => {
    const output = ['@disk /dev/sda', sfdisk('gpt', [
      { node: '/dev/sda1', start: 2048, size: 4096, type: '5808C8AA-7E8F-42E0-85D2-E1E90434CFB3' },
      { node: '/dev/sda2', start: 6144, size: 4096, type: 'AF9B60A0-1431-4F62-BC68-3311714A69AD' },
    ]), '@blkid', '@mounts'];
    expect(parseVolumes(disks, output).disks[0]).to.include({ style: 'gpt', dynamic: true });
  });
});

describe('lab/qemu/machine Format and Partition Disk for a dynamic disk', () => {
  it('leaves the last MiB of an MBR disk free for the LDM database that the conversion then writes there', () => {
    const partitions: PartitionSpec[] = [
      { type: 'primary', size: { value: 350, unit: 'MB' }, fileSystem: 'ntfs', quickFormat: true, bootable: true },
      { type: 'primary', size: 'remaining', fileSystem: 'ntfs', quickFormat: true, bootable: false },
    ];
    const end = (diskType: 'basic' | 'dynamic') => {
      const plan = planPartitions({ diskIndex: 0, style: 'mbr', diskType, partitions }, '/dev/sda', 1024 * MIB);
      if (!plan.ok) throw new Error(plan.message);
      const last = plan.plan.partitions.at(-1)!;
      return last.startMiB + last.sizeMiB;
    };
    expect(end('basic')).to.equal(1024);
    expect(end('dynamic')).to.equal(1023);
  });
});

describe('lab/qemu/machine task sequence steps on a dynamic disk in WinPE @slow @qemu', function () {
  this.timeout(600_000);
  const images = labImagesForSuite();

  it('Format and Partition Disk with OSDDiskType=DYNAMIC converts; the volumes keep their letters; Apply Operating System Image is refused; converting again is refused', async () => {
    await withLabRun(`dyn-steps-${process.pid}`, async (run) => {
      const { machine } = await bootLabMachine({ images: images(), firmware: 'bios', controller: 'ahci', dir: run.tempDir, cleanup: run.cleanup, signal: run.signal });
      const signal = run.signal;
      const volume = (label: string, size: PartitionSpec['size'], bootable: boolean): PartitionSpec => ({ type: 'primary', size, fileSystem: 'ntfs', label, quickFormat: true, bootable, letterVariable: `${label}Letter` });
      const partitioned = await machine.partitionDisk({ diskIndex: 0, style: 'mbr', diskType: 'dynamic', partitions: [volume('System', { value: 100, unit: 'MB' }, true), volume('Windows', 'remaining', false)] }, signal);
      expect(partitioned.exitCode, partitioned.output?.join('\n')).to.equal(0);
      expect(partitioned.output?.join('\n')).to.match(/converted to dynamic: 2 simple volume\(s\)/);
      expect(partitioned.variables).to.deep.equal({ SystemLetter: 'C:', WindowsLetter: 'D:' });
      const facts = await machine.facts(signal);
      expect(facts.disks[0]).to.include({ style: 'mbr', dynamic: true });
      expect(facts.disks[0]!.partitions.map((p) => [p.label, p.driveLetter, Math.round(p.sizeBytes / MIB)])).to.deep.equal([['System', 'C:', 100], ['Windows', 'D:', 1024 - 1 - 100 - 1]]);

      const applied = await machine.applyImage({ packageId: OS_PACKAGE, imageIndex: 1, target: { logicalDrive: 'D:' }, wipe: true, kind: 'os', contentLocation: '' }, signal);
      expect(applied.exitCode).to.equal(EXIT.notSupported);
      expect(applied.output?.join('\n')).to.match(/captured from a basic disk cannot be applied to a dynamic disk/);
      const again = await machine.convertDiskToDynamic(0, signal);
      expect(again.exitCode).to.equal(EXIT.invalidParameter);
      expect(again.output?.join('\n')).to.match(/already dynamic/);
    });
  });
});
