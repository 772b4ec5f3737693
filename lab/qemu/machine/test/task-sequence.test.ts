// The real task-sequence machine end to end (issue 5 items 5 and 6), under TCG: the engine runs a
// YAML task sequence on a machine booted into WinPE from media; the machine partitions its disk,
// applies a real WIM with the full-OS payload, installs the boot loader, restarts through the
// firmware into the full OS on its own disk and runs a command there. @qemu @slow
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { importTaskSequenceYaml, runTaskSequence, type StepResult } from '../../../../harness/index.js';
import { readDiskImage } from '../../disk/index.js';
import { withLabRun } from '../../lab-run.js';
import { bootLabMachine, CLIENT_PACKAGE, extractBytes, extractPartition, labImagesForSuite, OS_PACKAGE } from './fixtures.js';

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

const CCM_CACHE_BYTES = 40 * 2 ** 20;
const statuses = (steps: StepResult[]) => Object.fromEntries(steps.map((s) => [s.name, s.status]));

describe('lab/qemu machine: task sequences on real machines @qemu @slow', function () {
  this.timeout(600_000);
  const images = labImagesForSuite();

  for (const c of [
    {
      firmware: 'bios',
      controller: 'ahci',
      style: 'mbr',
      partition: PARTITION_BIOS,
      readBack: [['primary', 'ntfs', 'System Reserved', true], ['primary', 'ntfs', 'Windows', false]],
    },
    {
      firmware: 'uefi',
      controller: 'nvme',
      style: 'gpt',
      partition: PARTITION_UEFI,
      readBack: [['efi', 'fat32', 'SYSTEM', false], ['msr', undefined, undefined, false], ['primary', 'ntfs', 'Windows', false]],
    },
  ] as const) {
    it(`${c.firmware.toUpperCase()} + ${c.style.toUpperCase()}: reaches the full OS from its own disk and runs the FullOS step there`, async () => {
      const started = Date.now();
      await withLabRun(`machine-${c.firmware}-${process.pid}`, async (run) => {
        const { machine, disk, qemu } = await bootLabMachine({ images: images(), firmware: c.firmware, controller: c.controller, dir: run.tempDir, cleanup: run.cleanup, signal: run.signal, ccmCacheSizeBytes: CCM_CACHE_BYTES });
        const booted = Date.now();
        const result = await runTaskSequence({ sequence: deployment(c.partition), machine, signal: run.signal });
        const seconds = (s: StepResult) => (s.start && s.end ? ((Date.parse(s.end) - Date.parse(s.start)) / 1000).toFixed(1) : '-');
        console.log(`      WinPE up after ${((booted - started) / 1000).toFixed(0)} s; steps: ${result.steps.map((s) => `${s.name} ${seconds(s)} s`).join(', ')}`);
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
        if (c.firmware === 'bios') {
          // The full OS's client cache (C:\Windows\ccmcache, 40 MB here): the 29 MB OS image evicts the older client package.
          const request = (packageId: string) => ({ packageId, mode: 'downloadOnDemand' as const, destination: 'ccmCache' as const });
          expect(await machine.downloadContent(request(CLIENT_PACKAGE), run.signal)).to.include({ exitCode: 0, location: `C:\\Windows\\ccmcache\\${CLIENT_PACKAGE}` });
          const os = await machine.downloadContent(request(OS_PACKAGE), run.signal);
          expect(os).to.include({ exitCode: 0 });
          expect(os.output).to.deep.equal([`evicted ${CLIENT_PACKAGE} from the cache`]);
          expect((await machine.fileInfo(`C:\\Windows\\ccmcache\\${CLIENT_PACKAGE}`, run.signal)).exists).to.equal(false);
        }
        await machine.powerOff();

        // Read back on the host: the layout with the lab's disk reader, the files with ntfs-3g's and mtools.
        const layout = await readDiskImage(disk);
        expect(layout.style).to.equal(c.style);
        expect(layout.partitions.map((p) => [p.type, p.fileSystem, p.label, p.active])).to.deep.equal(c.readBack);
        const windows = await extractPartition(disk, layout.partitions.at(-1)!, join(run.tempDir, 'windows.ntfs'));
        const { stdout: stamp } = await execa('ntfscat', [windows, '/Windows/Temp/osdlab-stamp.txt']);
        if (c.firmware === 'uefi') {
          const esp = await extractPartition(disk, layout.partitions[0]!, join(run.tempDir, 'esp.fat'));
          expect((await execa('mdir', ['-b', '-i', esp, '::/EFI/Boot'])).stdout).to.match(/bootx64\.efi/i);
        } else {
          const mbr = await readFile(await extractBytes(disk, 0, 1, join(run.tempDir, 'mbr.raw')));
          expect(mbr.subarray(0, 440).some((b) => b !== 0), 'boot code in the MBR').to.equal(true);
        }
        expect(stamp.trim()).to.equal('deployed in-winpe=false');
      });
    });
  }

  it('UEFI + MBR with NTFS only: the restart does not come back, with OVMF\'s evidence, and the step fails', async () => {
    await withLabRun(`machine-uefi-mbr-${process.pid}`, async (run) => {
      const { machine } = await bootLabMachine({ images: images(), firmware: 'uefi', controller: 'ahci', dir: run.tempDir, cleanup: run.cleanup, signal: run.signal });
      const result = await runTaskSequence({ sequence: deployment({ ...PARTITION_BIOS, name: 'Partition Disk 0' }), machine, signal: run.signal });
      expect(result.outcome).to.equal('failed');
      expect(result.failedStep).to.equal('Setup Windows and ConfigMgr');
      expect(result.error).to.match(/did not come back after the restart: the UEFI firmware/);
      const evidence = result.log.files().map((f) => f.text).join('').split('\n').filter((l) => l.includes('component="Reboot"')).map((l) => /LOG\[(.*?)\]LOG/.exec(l)?.[1]);
      console.log(`      console evidence: ${evidence.join(' | ')}`);
      expect(evidence.join('\n')).to.match(/BdsDxe: failed to load Boot\d+ "UEFI QEMU HARDDISK/);
      expect(statuses(result.steps)['Write deployment stamp']).to.not.equal('success');
    });
  });
});
