import { expect } from 'chai';
import { join } from 'node:path';
import { withLabRun } from '../lab-run.js';
import { launchMachine } from '../machine-process.js';
import { QmpError } from '../qmp.js';
import { qemuUnavailable } from './helpers.js';

describe('lab/qemu QMP client against a real QEMU @qemu', function () {
  this.timeout(60_000);

  before(async function () {
    const why = await qemuUnavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      this.skip();
    }
  });

  it('greets, negotiates, queries status, resets, powers down, reports errors and quits', async () => {
    await withLabRun(`qmp-${process.pid}`, async (run) => {
      // A BIOS machine with nothing to boot: SeaBIOS idles, which is all QMP needs.
      const machine = await launchMachine({
        spec: { name: 'qmp', firmware: 'bios', architecture: 'x64', memoryMB: 128, cpus: 1, nics: [], disks: [], media: [] },
        accel: 'tcg',
        outputDir: join(run.tempDir, 'out'),
        stateDir: join(run.tempDir, 'qmp'),
        cleanup: run.cleanup,
        signal: run.signal,
      });
      const qmp = await machine.qmp(run.signal);
      expect(qmp.greeting.QMP.version.qemu.major).to.be.at.least(7);
      expect(await qmp.queryStatus()).to.include({ status: 'running', running: true });

      const since = qmp.receivedEvents().length;
      await qmp.systemReset();
      expect((await qmp.waitForEvent('RESET', run.signal, since)).event).to.equal('RESET');
      await qmp.systemPowerdown();
      expect((await qmp.waitForEvent('POWERDOWN', run.signal, since)).event).to.equal('POWERDOWN');

      const err = await qmp.execute('no-such-command').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(QmpError);
      expect((err as QmpError).errorClass).to.equal('CommandNotFound');

      await qmp.execute('stop');
      expect(await qmp.queryStatus()).to.include({ status: 'paused', running: false });
      await qmp.execute('cont');

      const shutdown = qmp.waitForEvent('SHUTDOWN', run.signal);
      await qmp.quit();
      expect((await shutdown).data).to.include({ guest: false });
      const exit = await machine.exited;
      expect(exit.exitCode).to.equal(0);
    });
  });
});
