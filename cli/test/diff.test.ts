// `osdlab diff` through the real CLI on two real twin runs of a shipped example: run B has a twice-as-large OS
// image (its apply step gets slower) and a last step whose exit code no longer counts as success (it breaks).
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunDiff } from '../../reports/index.js';
import { runCli } from './run-cli.js';

const EXAMPLE = fileURLToPath(new URL('../../scenarios/bare-metal-uefi-gpt-pxe.yaml', import.meta.url));

describe('osdlab diff (acceptance, twin)', function () {
  this.timeout(120_000);
  let tmp: string;
  let a: string;
  let b: string;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'osdlab-diff-'));
    const text = await readFile(EXAMPLE, 'utf8');
    const broken = text
      .replace('size: 4.6GB, imageIndex: 3', 'size: 9.2GB, imageIndex: 3')
      .replace("command: 'cmd /c echo deployed > C:\\Windows\\Temp\\osdlab-stamp.txt'", "command: 'cmd /c echo deployed > C:\\Windows\\Temp\\osdlab-stamp.txt'\n              successCodes: [1]");
    expect(broken).to.contain('9.2GB').and.to.contain('successCodes: [1]');
    const scenarioB = join(tmp, 'bare-metal-uefi-gpt-pxe.yaml');
    await writeFile(scenarioB, broken);
    a = join(tmp, 'a');
    b = join(tmp, 'b');
    const [ra, rb] = await Promise.all([runCli(['run', EXAMPLE, '--out', a]), runCli(['run', scenarioB, '--out', b])]);
    expect(ra.exitCode, ra.stderr).to.equal(0);
    expect(rb.exitCode, rb.stdout).to.equal(1);
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('shows what broke and what got slower, and exits 1', async () => {
    const r = await runCli(['diff', a, b, '--threshold', '20%']);
    expect(r.exitCode, r.stderr).to.equal(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).to.equal('PC-UEFI-01  BROKE: pass → fail (success → failed)');
    expect(r.stdout).to.match(/ {2}broke {3}step 2\/2 "Write deployment stamp": success → failed/);
    expect(r.stdout).to.match(/ {2}slower {2}step 1\/3 "Apply Operating System Image": [\d.]+s → [\d.]+s \(\+\d+%\)/);
    expect(r.stdout).to.contain('1 machine changed (duration threshold 20%); something broke');
  });

  it('the other way round it shows what was fixed and exits 0; --json gives the same as data', async () => {
    const text = await runCli(['diff', b, a]);
    expect(text.exitCode, text.stderr).to.equal(0);
    expect(text.stdout).to.contain('PC-UEFI-01  FIXED: fail → pass').and.to.match(/fixed {3}step 2\/2 "Write deployment stamp": failed → success/).and.to.match(/faster {2}step 1\/3/);
    const json = await runCli(['diff', join(b, 'result.json'), a, '--json', '--threshold', '30s']);
    expect(json.exitCode).to.equal(0);
    const diff = JSON.parse(json.stdout) as RunDiff;
    expect(diff.broke).to.equal(false);
    expect(diff.threshold).to.deep.equal({ kind: 'duration', ms: 30_000 });
    const [machine] = diff.machines;
    expect(machine!.verdict).to.equal('fixed');
    expect(machine!.steps.map((s) => [s.kind, s.name])).to.deep.include.members([
      ['fixed', 'Write deployment stamp'],
      ['faster', 'Apply Operating System Image'],
    ]);
    const faster = machine!.steps.find((s) => s.kind === 'faster')!;
    expect(faster.durationMsA! - faster.durationMsB!).to.be.greaterThan(30_000);
  });

  it('a run compared with itself has no changes; a threshold no step exceeds hides the slowdowns', async () => {
    const same = await runCli(['diff', a, a]);
    expect(same.exitCode).to.equal(0);
    expect(same.stdout.trim()).to.equal('no changes (duration threshold 10%)');
    const huge = await runCli(['diff', a, b, '--threshold', '10h', '--json']);
    const diff = JSON.parse(huge.stdout) as RunDiff;
    // The failed step and the group that failed with it.
    expect(diff.machines[0]!.steps.map((s) => [s.kind, s.name])).to.deep.equal([
      ['broke', 'Setup Operating System'],
      ['broke', 'Write deployment stamp'],
    ]);
  });

  it('bad input exits 2 with the option or path named', async () => {
    const t = await runCli(['diff', a, b, '--threshold', 'fast']);
    expect(t.exitCode).to.equal(2);
    expect(t.stderr).to.contain('--threshold: "fast" is not a threshold');
    const missing = await runCli(['diff', a, join(tmp, 'nowhere')]);
    expect(missing.exitCode).to.equal(2);
    expect(missing.stderr).to.contain('nowhere: does not exist');
  });
});
