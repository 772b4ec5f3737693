// The machine's operations one by one in a real WinPE (BIOS, TCG), for the verdicts the engine
// relies on: the cache's size limit, content sources, command exit codes and time limits,
// refused layouts and the operations still to come. @qemu @slow
import { expect } from 'chai';
import type { PartitionSpec, TaskSequenceMachine } from '../../../../harness/index.js';
import { EXIT } from '../../../twin/index.js';
import { withLabRun } from '../../lab-run.js';
import { bootLabMachine, labImagesForSuite, OS_PACKAGE } from './fixtures.js';

const ntfs = (label: string, size: PartitionSpec['size']): PartitionSpec => ({ type: 'primary', size, fileSystem: 'ntfs', label, quickFormat: true, bootable: false, letterVariable: `${label}Letter` });

describe('lab/qemu machine: operations in a real WinPE @qemu @slow', function () {
  this.timeout(300_000);
  const images = labImagesForSuite();

  it('cache too small, content in place, unknown content, command exit codes and time limits, files, refusals', async () => {
    await withLabRun(`machine-ops-${process.pid}`, async (run) => {
      const { machine, agent } = await bootLabMachine({ images: images(), firmware: 'bios', controller: 'virtio-blk', dir: run.tempDir, cleanup: run.cleanup, signal: run.signal });
      const signal = run.signal;
      expect((await machine.facts(signal)).disks.map((d) => [d.index, d.controller, d.style])).to.deep.equal([[0, 'virtio-blk', 'raw']]);

      // No formatted volume yet: nowhere to cache.
      expect((await machine.downloadContent({ packageId: OS_PACKAGE, mode: 'downloadOnDemand', destination: 'tsCache' }, signal)).exitCode).to.equal(EXIT.pathNotFound);

      // The OS WIM (≈29 MB) does not fit the largest NTFS volume (24 MB): ERROR_DISK_FULL, nothing left behind.
      const small = await machine.partitionDisk({ diskIndex: 0, style: 'mbr', diskType: 'basic', partitions: [ntfs('Small', { value: 24, unit: 'MB' }), ntfs('Tiny', { value: 8, unit: 'MB' })] }, signal);
      expect(small.exitCode, small.output?.join('\n')).to.equal(0);
      expect(small.variables).to.deep.equal({ SmallLetter: 'C:', TinyLetter: 'D:' });
      const full = await machine.downloadContent({ packageId: OS_PACKAGE, mode: 'downloadOnDemand', destination: 'tsCache' }, signal);
      expect(full.exitCode, full.output?.join('\n')).to.equal(EXIT.diskFull);
      expect((await machine.fileInfo(`C:\\_SMSTaskSequence\\Packages\\${OS_PACKAGE}`, signal)).exists).to.equal(false);

      // In place from the source; unknown packages are not found.
      const inPlace = await machine.downloadContent({ packageId: OS_PACKAGE, mode: 'accessFromDp', destination: 'tsCache' }, signal);
      expect(inPlace).to.include({ exitCode: 0 });
      expect(inPlace.bytes).to.be.greaterThan(20 * 2 ** 20);
      expect((await machine.downloadContent({ packageId: 'LAB99999', mode: 'downloadOnDemand', destination: 'tsCache' }, signal)).exitCode).to.equal(EXIT.contentNotFound);

      // Room enough: the package lands in the task-sequence cache on the largest NTFS volume.
      const roomy = await machine.partitionDisk({ diskIndex: 0, style: 'gpt', diskType: 'basic', partitions: [ntfs('Data', 'remaining')] }, signal);
      expect(roomy.variables).to.deep.equal({ DataLetter: 'C:' });
      const cached = await machine.downloadContent({ packageId: OS_PACKAGE, mode: 'downloadOnDemand', destination: 'tsCache' }, signal);
      expect(cached).to.include({ exitCode: 0, location: `C:\\_SMSTaskSequence\\Packages\\${OS_PACKAGE}`, bytes: inPlace.bytes });
      expect(await machine.fileInfo(`C:\\_SMSTaskSequence\\Packages\\${OS_PACKAGE}\\install.wim`, signal)).to.include({ exists: true, directory: false, sizeBytes: inPlace.bytes });
      expect((await machine.facts(signal)).cachePath).to.equal('C:\\_SMSTaskSequence\\Packages');

      // Commands: exit codes, output, working directory on a lettered volume, the time limit.
      const exit = await machine.runCommand({ commandLine: 'cmd /c echo hello & exit 7', disableWow64Redirection: false }, signal);
      expect(exit).to.include({ exitCode: 7 });
      expect(exit.output).to.deep.equal(['hello']);
      const cwd = await machine.runCommand({ commandLine: 'ls', workingDirectory: 'C:\\_SMSTaskSequence\\Packages', disableWow64Redirection: false }, signal);
      expect(cwd.output).to.deep.equal([OS_PACKAGE]);
      const slow = await machine.runCommand({ commandLine: 'sleep 30', timeoutSeconds: 2, disableWow64Redirection: false }, signal);
      expect(slow.exitCode).to.equal(EXIT.timeout);
      expect((await agent.run('echo still answering', { timeoutMs: 60_000, signal })).output).to.deep.equal(['still answering']);

      // What osddiskpart refuses, registry values without settings, and what issues 6–8 will bring.
      expect((await machine.partitionDisk({ diskIndex: 0, style: 'mbr', diskType: 'basic', partitions: [{ ...ntfs('X', 'remaining'), type: 'msr' }] }, signal)).exitCode).to.equal(EXIT.invalidParameter);
      expect((await machine.partitionDisk({ diskIndex: 3, style: 'gpt', diskType: 'basic', partitions: [ntfs('X', 'remaining')] }, signal)).exitCode).to.equal(EXIT.invalidParameter);
      expect(await machine.registryValue('Settings\\windows', 'OSDComputerName', signal)).to.equal(undefined);
      expect((await machine.writeSettings({ kind: 'windows', settings: { OSDComputerName: 'X' } }, signal)).exitCode).to.equal(EXIT.pathNotFound);
      const contract: TaskSequenceMachine = machine;
      // No OS applied, and no capture share in this lab: nothing to capture (lab/qemu/machine/test/capture.test.ts captures).
      const capture = await contract.captureImage({ destination: '\\\\server\\share\\x.wim' });
      expect(capture.exitCode).to.equal(EXIT.pathNotFound);
      expect(capture.output?.join(' ')).to.match(/no Windows installation to capture/);
      expect((await contract.userState({ operation: 'capture', storeLocation: 'stateMigrationPoint', hardLinks: false, storePath: '\\\\SMP01\\SMPSTOREB$', continueOnError: false })).exitCode).to.equal(EXIT.notSupported);
      // A local store without a Windows installation: nothing to capture from.
      expect((await contract.userState({ operation: 'capture', storeLocation: 'local', hardLinks: true, storePath: 'C:\\StateStore', continueOnError: false })).exitCode).to.equal(EXIT.pathNotFound);
      expect((await contract.stateStore({ operation: 'capture', retryCount: 0, retryDelaySeconds: 0, fallbackToNetworkAccessAccount: false })).exitCode).to.equal(EXIT.notSupported);
      await machine.powerOff();
    });
  });
});
