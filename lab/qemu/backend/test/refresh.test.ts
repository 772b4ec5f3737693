// A refresh end to end through the CLI (issue 6 items 3 and 4): an existing UEFI client whose disk
// the lab builds from the scenario (Windows 10 with two user profiles and a client cache) starts the
// task sequence in its own OS, captures the profiles into a local hard-link store, restarts into
// Windows PE staged on its disk, applies the new OS around the store and restores the profiles;
// scored against the file's expect: block, userStateRestored from a file-by-file comparison. The
// same file on the twin gives the same verdict.
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { qemuUnavailable } from '../../test/helpers.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCENARIO = fileURLToPath(new URL('./fixtures/refresh-hardlinks-local.yaml', import.meta.url));

interface Result {
  pass: boolean;
  backend: string;
  machines: { name: string; outcome: string; pass: boolean; expectations: { what: string; pass: boolean; actual: unknown }[]; steps: { name: string; status: string }[] }[];
}

async function run(backend: 'twin' | 'qemu', out: string): Promise<{ result: Result; output: string; exitCode?: number }> {
  const r = await execa('node', ['bin/osdlab.js', 'run', SCENARIO, '--backend', backend, '--out', out], { cwd: ROOT, reject: false, all: true });
  return { result: JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as Result, output: String(r.all), exitCode: r.exitCode };
}

describe('refresh with a local hard-link user state store', function () {
  this.timeout(1_500_000);
  let out = '';
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'osdlab-refresh-'));
  });
  afterEach(() => out && rm(out, { recursive: true, force: true }));

  it('meets every expectation on the twin', async () => {
    const { result, output } = await run('twin', out);
    expect(result.machines[0]!.expectations.filter((e) => !e.pass), output).to.deep.equal([]);
    expect(result.pass).to.equal(true);
  });

  it('meets every expectation on real machines, the profiles compared file by file @qemu @slow', async function () {
    const why = await qemuUnavailable();
    if (why) {
      console.log(`      (skipped: ${why})`);
      return this.skip();
    }
    const started = Date.now();
    const { result, output, exitCode } = await run('qemu', out);
    console.log(`      (wall time ${Math.round((Date.now() - started) / 1000)} s)`);
    const machine = result.machines[0]!;
    expect(machine.expectations.filter((e) => !e.pass), `${output}\n${JSON.stringify(machine.steps)}`).to.deep.equal([]);
    expect(exitCode).to.equal(0);
    expect(result).to.include({ pass: true, backend: 'qemu' });
    expect(machine.expectations.find((e) => e.what === 'userStateRestored')).to.include({ pass: true, actual: true });
    const console_ = await readFile(join(out, 'machines', 'PC-REFRESH-02', 'console.log'), 'utf8');
    expect(console_).to.match(/osdlab loader: starting Windows PE staged on/);
  });
});
