// The real task-sequence machine end to end (issue 5 items 5 and 6), under TCG: the engine runs a
// YAML task sequence on a machine booted into WinPE from media; the machine partitions its disk,
// applies a real WIM with the full-OS payload, installs the boot loader, restarts through the
// firmware into the full OS on its own disk and runs a command there. @qemu @slow
import { expect } from 'chai';
import { join } from 'node:path';
import { execa } from 'execa';
import { importTaskSequenceYaml, runTaskSequence, type StepResult } from '../../../../harness/index.js';
import { withLabRun } from '../../lab-run.js';
import { qemuUnavailable } from '../../test/helpers.js';
import { bootLabMachine, hostPartitionTable, labImages, OS_PACKAGE, type LabImages } from './fixtures.js';

const PARTITION_BIOS = {
  name: 'Partition Disk 0 - BIOS',
  type: 'FormatAndPartitionDisk',
  with: { OSDDiskIndex: 0, OSDPartitionStyle: 'MBR' },
  partitions: [
    { type: 'Primary', size: '100MB', fileSystem: 'NTFS', label: 'System Reserved', bootable: true },
    { type: 'Primary', size: '100%', fileSystem: 'NTFS', label: 'Windows', letterVariable: 'OSDisk' },
  ],
};
const PARTITION_UEFI = {
  name: 'Partition Disk 0 - UEFI',
  type: 'FormatAndPartitionDisk',
  with: { OSDDiskIndex: 0, OSDPartitionStyle: 'GPT' },
  partitions: [
    { type: 'EFI', size: '100MB', fileSystem: 'FAT32', label: 'System' },
    { type: 'MSR', size: '16MB' },
    { type: 'Primary', size: '100%', fileSystem: 'NTFS', label: 'Windows', letterVariable: 'OSDisk' },
  ],
};

function deployment(partition: object) {
  return importTaskSequenceYaml({
    name: 'Deploy Windows 11 Enterprise',
    packageId: 'LAB00010',
    steps: [
      partition,
      { name: 'Apply Operating System Image', type: 'ApplyOperatingSystemImage', with: { ImagePackageID: OS_PACKAGE, OSDImageIndex: 1, DestinationVariable: 'OSDisk' } },
      { name: 'Apply Windows Settings', type: 'ApplyWindowsSettings', with: { OSDComputerName: 'PC-LAB-01', OSDTimeZone: 'UTC' } },
      { name: 'Setup Windows and ConfigMgr', type: 'SetupWindowsAndConfigMgr', with: { _SMSClientPackageID: 'LAB00005' } },
      { name: 'Write deployment stamp', type: 'RunCommandLine', runIn: 'FullOS', command: 'cmd /c echo deployed in-winpe=%_SMSTSInWinPE% > C:\\Windows\\Temp\\osdlab-stamp.txt' },
    ],
  });
}

const statuses = (steps: StepResult[]) => Object.fromEntries(steps.map((s) => [s.name, s.status]));

describe('lab/qemu machine: task sequences on real machines @qemu @slow', function () {
  this.timeout(600_000);
  let images: LabImages;

  before(async function () {
    const why = await qemuUnavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    images = await labImages();
  });

  for (const c of [
    { firmware: 'bios', controller: 'ahci', style: 'dos', partition: PARTITION_BIOS },
    { firmware: 'uefi', controller: 'nvme', style: 'gpt', partition: PARTITION_UEFI },
  ] as const) {
    it(`${c.firmware.toUpperCase()} + ${c.style === 'dos' ? 'MBR' : 'GPT'}: reaches the full OS from its own disk and runs the FullOS step there`, async () => {
      await withLabRun(`machine-${c.firmware}-${process.pid}`, async (run) => {
        const { machine, disk, qemu } = await bootLabMachine({ images, firmware: c.firmware, controller: c.controller, dir: run.tempDir, cleanup: run.cleanup, signal: run.signal });
        const result = await runTaskSequence({ sequence: deployment(c.partition), machine, signal: run.signal });
        const log = result.log.files().map((f) => f.text).join('');
        expect(statuses(result.steps), `${result.error}\n${log}`).to.deep.equal({
          [c.partition.name]: 'success',
          'Apply Operating System Image': 'success',
          'Apply Windows Settings': 'success',
          'Setup Windows and ConfigMgr': 'success',
          'Write deployment stamp': 'success',
        });
        expect(result.outcome).to.equal('success');
        expect(result.reboots).to.equal(1);
        expect(result.variables._SMSTSInWinPE).to.equal('false');
        const facts = await machine.facts(run.signal);
        expect(facts).to.include({ environment: 'FullOS', bootedFrom: 'disk', firmware: c.firmware });
        expect(facts.operatingSystem?.caption).to.match(/Windows 11 Enterprise/);
        expect(await machine.registryValue('Settings\\windows', 'OSDComputerName', run.signal)).to.equal('PC-LAB-01');
        expect(await machine.fileInfo('C:\\Windows\\Temp\\osdlab-stamp.txt', run.signal)).to.include({ exists: true, directory: false });
        // The firmware started the disk: the console shows our loader, not the media.
        expect(await qemu.consoleText()).to.match(/osdlab loader: starting the operating system/);
        await machine.powerOff();

        const table = await hostPartitionTable(disk, run.tempDir);
        expect(table.label).to.equal(c.style);
        if (c.style === 'dos') {
          expect(table.partitions.map((p) => [p.type, p.bootable ?? false])).to.deep.equal([['7', true], ['7', false]]);
        } else {
          expect(table.partitions.map((p) => p.type)).to.deep.equal(['C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 'E3C9E316-0B5C-4DB8-817D-F92DF00215AE', 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7']);
        }
        const windows = table.partitions.length;
        const raw = join(run.tempDir, 'readback.raw');
        const { stdout: sfdisk } = await execa('sfdisk', ['--json', raw]);
        const start = (JSON.parse(sfdisk) as { partitiontable: { partitions: { start: number }[] } }).partitiontable.partitions[windows - 1]!.start;
        await execa('dd', [`if=${raw}`, `of=${join(run.tempDir, 'windows.ntfs')}`, 'bs=1M', `skip=${start * 512}`, 'iflag=skip_bytes', 'status=none']);
        const { stdout: stamp } = await execa('ntfscat', [join(run.tempDir, 'windows.ntfs'), '/Windows/Temp/osdlab-stamp.txt']);
        expect(stamp.trim()).to.equal('deployed in-winpe=false');
      });
    });
  }

  it('UEFI + MBR with NTFS only: the restart does not come back, with OVMF\'s evidence, and the step fails', async () => {
    await withLabRun(`machine-uefi-mbr-${process.pid}`, async (run) => {
      const { machine } = await bootLabMachine({ images, firmware: 'uefi', controller: 'ahci', dir: run.tempDir, cleanup: run.cleanup, signal: run.signal });
      const result = await runTaskSequence({ sequence: deployment({ ...PARTITION_BIOS, name: 'Partition Disk 0' }), machine, signal: run.signal });
      expect(result.outcome).to.equal('failed');
      expect(result.failedStep).to.equal('Setup Windows and ConfigMgr');
      expect(result.error).to.match(/did not come back after the restart: the UEFI firmware/);
      expect(result.log.files().map((f) => f.text).join('')).to.match(/BdsDxe/);
      expect(statuses(result.steps)['Write deployment stamp']).to.not.equal('success');
    });
  });
});
