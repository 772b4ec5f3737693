// Capture Operating System Image on a real machine: WinPE (BIOS, TCG) applies the OS image, a
// command installs a file, and the capture writes a real WIM to the site's share that the host
// opens with the binding. @qemu @slow
import { expect } from 'chai';
import { join } from 'node:path';
import type { PartitionSpec } from '../../../../harness/index.js';
import { EXIT } from '../../../twin/index.js';
import { withLabRun } from '../../lab-run.js';
import { bootLabMachine, labImagesForSuite, OS_PACKAGE } from './fixtures.js';
import { WimFile } from '../../../../images/index.js';

const windows: PartitionSpec = { type: 'primary', size: 'remaining', fileSystem: 'ntfs', label: 'Windows', quickFormat: true, bootable: true, letterVariable: 'OSDisk' };

describe('lab/qemu machine: Capture Operating System Image @qemu @slow', function () {
  this.timeout(600_000);
  const images = labImagesForSuite();

  it('writes the Windows volume as a WIM with the step\'s name, description and version to the capture share', async () => {
    await withLabRun(`machine-capture-${process.pid}`, async (run) => {
      const shares = join(run.tempDir, 'shares');
      const { machine, agent } = await bootLabMachine({ images: images(), firmware: 'bios', controller: 'virtio-blk', dir: run.tempDir, cleanup: run.cleanup, signal: run.signal, captureShareRoot: shares });
      const signal = run.signal;
      const destination = '\\\\SITE01\\Captures$\\Reference\\reference.wim';
      expect((await machine.captureImage({ destination }, signal)).exitCode, 'nothing applied yet').to.equal(EXIT.pathNotFound);

      expect((await machine.partitionDisk({ diskIndex: 0, style: 'mbr', diskType: 'basic', partitions: [windows] }, signal)).exitCode).to.equal(0);
      const content = await machine.downloadContent({ packageId: OS_PACKAGE, mode: 'accessFromDp', destination: 'tsCache' }, signal);
      const applied = await machine.applyImage({ packageId: OS_PACKAGE, imageIndex: 2, target: { logicalDrive: 'C:' }, wipe: true, kind: 'os', contentLocation: content.location! }, signal);
      expect(applied.exitCode, applied.output?.join('\n')).to.equal(0);
      const installed = await machine.runCommand({ commandLine: 'cmd /c echo installed by the reference task sequence > C:\\Windows\\osdlab-reference-app.txt', disableWow64Redirection: false }, signal);
      expect(installed.exitCode, installed.output?.join('\n')).to.equal(0);

      expect((await machine.captureImage({ destination: 'C:\\captures\\x.wim' }, signal)).exitCode, 'not a network path').to.equal(EXIT.invalidParameter);
      const captured = await machine.captureImage({ destination, name: 'Reference Windows 11', description: 'Built and captured by osdlab', version: '1.0.2', creator: 'osdlab' }, signal);
      expect(captured.exitCode, captured.output?.join('\n')).to.equal(0);

      const wim = WimFile.open(join(shares, 'site01', 'captures$', 'Reference', 'reference.wim'));
      try {
        const [image, ...more] = wim.images();
        expect(more).to.have.length(0);
        expect(image).to.include({ index: 1, name: 'Reference Windows 11', description: 'Built and captured by osdlab' });
        expect(wim.imageProperty(1, 'VERSION')).to.equal('1.0.2');
        expect(wim.imageProperty(1, 'CREATOR')).to.equal('osdlab');
        const paths = new Set(wim.listDirTree(1).map((e) => e.path));
        for (const p of ['/Windows/osdlab-reference-app.txt', '/Windows/System32/ntoskrnl.exe', '/Windows/System32/osdlab-os.json']) expect(paths.has(p), p).to.equal(true);
      } finally {
        wim.close();
      }
      // The machine runs on after the pause.
      expect((await agent.run('echo still answering', { timeoutMs: 60_000, signal })).output).to.deep.equal(['still answering']);
      await machine.powerOff();
    });
  });
});
