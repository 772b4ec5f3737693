// User state on the real disk (issue 6 item 4, osd-behaviours §9 "hard links", §2.17): a machine in
// WinPE gets an "old" Windows with two user profiles, captures them into a local store, has its OS
// replaced, and restores them in the new full OS. The refresh trap: a compressed local store and a
// Format and Partition Disk → the store is gone and Restore User State fails (0x80070003). With
// hard links and no repartitioning → the profiles come back byte for byte, and the profile files
// are read back on the host from the disk image. @qemu @slow
import { expect } from 'chai';
import { join } from 'node:path';
import { execa } from 'execa';
import { importTaskSequenceYaml, runTaskSequence, type StepResult } from '../../../../harness/index.js';
import { EXIT } from '../../../twin/index.js';
import { readDiskImage } from '../../disk/index.js';
import { withLabRun } from '../../lab-run.js';
import { bootLabMachine, extractPartition, labImagesForSuite, OS_PACKAGE } from './fixtures.js';

const PARTITION = {
  name: 'Partition Disk 0',
  type: 'FormatAndPartitionDisk',
  with: { OSDDiskIndex: 0, OSDPartitionStyle: 'MBR' },
  partitions: [{ type: 'Primary', size: '100%', fileSystem: 'NTFS', label: 'Windows', bootable: true, letterVariable: 'OSDisk' }],
};
const APPLY = { type: 'ApplyOperatingSystemImage', with: { ImagePackageID: OS_PACKAGE, OSDImageIndex: 1, DestinationVariable: 'OSDisk' } };
/** The old machine's users: a document of random bytes and a small note each (WinPE: the Windows volume is C:). */
const OLD_PROFILES =
  'cmd /c mkdir -p C:\\Users\\alice\\Documents C:\\Users\\bob\\Desktop C:\\Users\\Public\\Documents && ' +
  'head -c 700000 /dev/urandom > C:\\Users\\alice\\Documents\\report.docx && echo alice-note > C:\\Users\\alice\\note.txt && ' +
  'head -c 50000 /dev/urandom > C:\\Users\\bob\\Desktop\\photo.jpg && echo shared > C:\\Users\\Public\\Documents\\shared.txt';

function refresh(store: string, hardLinks: boolean, repartition: boolean) {
  return importTaskSequenceYaml({
    name: 'Refresh with local user state',
    packageId: 'LAB00020',
    steps: [
      PARTITION,
      { ...APPLY, name: 'Apply the old operating system' },
      { name: 'Old user profiles', type: 'RunCommandLine', command: OLD_PROFILES },
      { name: 'Set Local State Location', type: 'SetTaskSequenceVariable', with: { VariableName: 'OSDStateStorePath', VariableValue: store } },
      { name: 'Capture User Files and Settings', type: 'CaptureUserState', with: { _OSDMigrateUseHardlinks: String(hardLinks) } },
      ...(repartition ? [{ ...PARTITION, name: 'Partition Disk 0 again' }] : []),
      { ...APPLY, name: 'Apply Operating System Image' },
      { name: 'Setup Windows and ConfigMgr', type: 'SetupWindowsAndConfigMgr', with: { _SMSClientPackageID: 'LAB00005' } },
      { name: 'Restore User Files and Settings', type: 'RestoreUserState', with: { OSDMigrateContinueOnRestore: 'true' } },
    ],
  });
}

const statuses = (steps: StepResult[]) => Object.fromEntries(steps.map((s) => [s.name, s.status]));

describe('lab/qemu machine: user state on the real disk @qemu @slow', function () {
  this.timeout(600_000);
  const images = labImagesForSuite();

  it('hard links, no repartitioning: the store survives Apply Operating System Image and the profiles come back byte for byte', async () => {
    await withLabRun(`user-state-links-${process.pid}`, async (run) => {
      const { machine, disk } = await bootLabMachine({ images: images(), firmware: 'bios', controller: 'virtio-blk', dir: run.tempDir, cleanup: run.cleanup, signal: run.signal });
      const result = await runTaskSequence({ sequence: refresh('C:\\UserState', true, false), machine, signal: run.signal });
      const log = result.log.files().map((f) => f.text).join('');
      expect(result.outcome, `${result.error}\n${log}`).to.equal('success');
      expect(statuses(result.steps)).to.include({ 'Capture User Files and Settings': 'success', 'Restore User Files and Settings': 'success' });
      const comparison = await machine.userStateComparison(run.signal);
      expect(comparison).to.deep.equal({ captured: 3, missing: [], changed: [] });
      // The restored local store is deleted; the profiles are where they were.
      expect((await machine.fileInfo('C:\\UserState', run.signal)).exists).to.equal(false);
      expect(await machine.fileInfo('C:\\Users\\alice\\Documents\\report.docx', run.signal)).to.include({ exists: true, sizeBytes: 700000 });
      const inGuest = (await machine.runCommand({ commandLine: 'cmd /c md5sum C:\\Users\\alice\\Documents\\report.docx', disableWow64Redirection: false }, run.signal)).output?.[0]?.split(' ')[0];
      await machine.powerOff();

      // Read back on the host: the file ntfs-3g's tools find on the disk image is the one capture saw.
      const layout = await readDiskImage(disk);
      const windows = await extractPartition(disk, layout.partitions[0]!, join(run.tempDir, 'windows.ntfs'));
      const { stdout } = await execa('sh', ['-c', `ntfscat ${windows} /Users/alice/Documents/report.docx | md5sum`]);
      expect(stdout.split(' ')[0]).to.equal(inGuest);
    });
  });

  it('the refresh trap: a local store and Format and Partition Disk → the state is gone and Restore User State fails', async () => {
    await withLabRun(`user-state-trap-${process.pid}`, async (run) => {
      const { machine } = await bootLabMachine({ images: images(), firmware: 'bios', controller: 'virtio-blk', dir: run.tempDir, cleanup: run.cleanup, signal: run.signal });
      const result = await runTaskSequence({ sequence: refresh('C:\\StateStore', false, true), machine, signal: run.signal });
      const log = result.log.files().map((f) => f.text).join('');
      expect(statuses(result.steps), log).to.include({ 'Capture User Files and Settings': 'success', 'Partition Disk 0 again': 'success', 'Setup Windows and ConfigMgr': 'success' });
      expect(result.outcome).to.equal('failed');
      expect(result.failedStep).to.equal('Restore User Files and Settings');
      expect(result.steps.find((s) => s.name === 'Restore User Files and Settings')?.exitCode).to.equal(EXIT.pathNotFound);
      expect(log).to.match(/no user state store at \/mnt\/c\/StateStore/);
      expect(await machine.userStateComparison(run.signal)).to.equal(undefined);
      expect((await machine.fileInfo('C:\\Users\\alice\\note.txt', run.signal)).exists).to.equal(false);
      await machine.powerOff();
    });
  });
});
