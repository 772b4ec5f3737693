// `osdlab console RUN MACHINE` against a real running machine: what the guest writes on its serial
// console reaches the engineer's terminal, Ctrl-] detaches, and after the run nothing is left to
// attach to.
import { expect } from 'chai';
import { execa } from 'execa';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLabRun } from '../lab-run.js';
import { launchMachine } from '../machine-process.js';
import { timeoutScale } from '../machine-command.js';
import { OSDLAB, runCli } from '../../../cli/test/run-cli.js';
import { directBootSpec, qemuUnavailable, testBootImage } from './helpers.js';

const HELLO_MS = 12_000 * timeoutScale('tcg');

describe('osdlab console on a running QEMU machine @slow @qemu', function () {
  this.timeout(180_000);

  before(async function () {
    const why = await qemuUnavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      this.skip();
    }
  });

  const mark = `OSDLAB-CONSOLE-${process.pid}`;

  it('shows the serial console live, detaches on Ctrl-], and refuses once the machine is gone', async () => {
    const image = await testBootImage(['ahci']);
    const runFolder = await mkdtemp(join(tmpdir(), 'osdlab-console-test-'));
    const runId = `console-${process.pid}`;
    await withLabRun(runId, async (run) => {
      // As the QEMU backend does: machine output in the run's temp dir, copied to the run folder at the end.
      const outputDir = join(run.tempDir, 'out', 'machines', 'PC-01');
      const machine = await launchMachine({
        spec: directBootSpec(image),
        accel: 'tcg',
        outputDir,
        stateDir: join(run.tempDir, 'pc1'),
        cleanup: run.cleanup,
        signal: run.signal,
      });
      const agent = await machine.agent({ helloTimeoutMs: HELLO_MS, signal: run.signal });
      const consoleCli = execa(OSDLAB, ['console', runFolder, 'PC-01'], { stdin: 'pipe', reject: false, env: { NO_COLOR: '1' } });
      let seen = '';
      consoleCli.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
      await new Promise<void>((resolve) => consoleCli.stderr!.once('data', () => resolve()));
      for (let i = 0; i < 50 && !seen.includes(mark); i++) {
        await agent.run(`echo ${mark} > /dev/ttyS0`, { timeoutMs: 30_000 });
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(seen).to.include(mark);
      consoleCli.stdin!.write(Buffer.from([0x1d]));
      const r = await consoleCli;
      expect(r.exitCode).to.equal(0);
      expect(r.stderr).to.match(/attached to PC-01's console[\s\S]*detached/);
      // By run id too; a machine the run does not have is a usage error.
      const byId = execa(OSDLAB, ['console', runId, 'PC-01'], { stdin: 'pipe', reject: false });
      await new Promise<void>((resolve) => byId.stderr!.once('data', () => resolve()));
      byId.stdin!.write(Buffer.from([0x1d]));
      expect((await byId).exitCode).to.equal(0);
      const wrong = await runCli(['console', runFolder, 'PC-99']);
      expect(wrong.exitCode).to.equal(2);
      expect(wrong.stderr).to.match(/MACHINE: found "PC-99"/);
      await machine.stop();
      await cp(outputDir, join(runFolder, 'machines', 'PC-01'), { recursive: true, verbatimSymlinks: true });
      await rm(join(runFolder, 'machines', 'PC-01', 'console.sock'), { force: true });
    }, { handleSignals: false, runFolder });
    try {
      expect(await readFile(join(runFolder, 'machines', 'PC-01', 'console.log'), 'utf8')).to.include(mark);
      const after = await runCli(['console', runFolder, 'PC-01']);
      expect(after.exitCode).to.equal(3);
      expect(after.stderr).to.match(/PC-01 of run .* is not running.*console\.log/s);
      expect((await runCli(['console', '/nonexistent-run', 'PC-01'])).exitCode).to.equal(2);
    } finally {
      await rm(runFolder, { recursive: true, force: true });
    }
  });
});
