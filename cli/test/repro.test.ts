// `osdlab repro` through the real CLI: a field log in, a draft scenario out that validates and that `osdlab run`
// on the twin passes (it walks the logged path); a file that is no task-sequence log is refused with exit code 2.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../../harness/index.js';
import { runCli } from './run-cli.js';

const FIXTURES = fileURLToPath(new URL('../../reports/test/fixtures/repro/', import.meta.url));

describe('osdlab repro', function () {
  this.timeout(60_000);
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'osdlab-repro-cli-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('writes a draft that validates and whose run on the twin walks the logged path', async () => {
    const r = await runCli(['repro', join(FIXTURES, 'mdt-bios-restart-failure.log'), join(FIXTURES, 'mdt-bdd.log'), '--out', 'repro.yaml'], { cwd: tmp });
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/MDT log: 8 steps \(5 succeeded, 1 failed, 2 skipped\), outcome failed at "Install Applications"/);
    expect(r.stdout).to.match(/the draft validates/);
    expect((await runCli(['validate', 'repro.yaml'], { cwd: tmp })).exitCode).to.equal(0);
    const run = await runCli(['run', 'repro.yaml', '--out', 'run'], { cwd: tmp });
    expect(run.exitCode, run.stdout).to.equal(0);
    const result = JSON.parse(await readFile(join(tmp, 'run', 'result.json'), 'utf8')) as RunResult;
    expect(result.machines[0]).to.include({ name: 'MDT-LAB-07', outcome: 'failed', failedStep: 'Install Applications', pass: true });
  });

  it('refuses a file without task-sequence steps with exit code 2', async () => {
    await writeFile(join(tmp, 'notes.log'), 'nothing to see here\n');
    const r = await runCli(['repro', 'notes.log'], { cwd: tmp });
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.match(/notes\.log: no task-sequence step found/);
  });
});
