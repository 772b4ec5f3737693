// A run killed mid-boot leaves nothing behind: no namespace, tap, bridge, QEMU process or temp dir.
import { expect } from 'chai';
import { access, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { sweepStaleRuns } from '../stale-runs.js';
import { leftoverNamespaces, leftoverQemu, namespacesUnavailable, qemuUnavailable, testBootImage } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/interrupted-run.ts', import.meta.url));
const DOWNLOAD_FIXTURE = fileURLToPath(new URL('./fixtures/interrupted-download.ts', import.meta.url));

interface Ready {
  tempDir: string;
  qemuPid: number;
  namespace: string;
}

function waitForReady(child: ResultPromise): Promise<Ready> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /^READY (.*)$/m.exec(seen);
      if (m) resolve(JSON.parse(m[1]) as Ready);
    });
    void child.then((r) => reject(new Error(`run ended before READY: ${r.exitCode} ${String(r.stderr)}`)));
  });
}

async function hostLinks(): Promise<string[]> {
  const { stdout } = await execa('ip', ['-o', 'link', 'show']);
  return stdout.split('\n').map((l) => l.split(':')[1]?.trim() ?? '');
}

async function assertNothingLeft(ready: Ready, linksBefore: string[]): Promise<void> {
  expect(await leftoverNamespaces(ready.namespace)).to.deep.equal([]);
  expect(await leftoverQemu(ready.tempDir)).to.deep.equal([]);
  expect(await access(ready.tempDir).then(() => true, () => false), 'temp dir left').to.equal(false);
  expect(await hostLinks(), 'no tap or bridge appeared on the host').to.deep.equal(linksBefore);
  expect(await running(ready.qemuPid), `QEMU pid ${ready.qemuPid} still running`).to.equal(false);
}

/** Gone or a zombie (an orphaned QEMU is re-parented to PID 1, which may never reap it here). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z /.test(stat);
}

describe('lab/qemu run interrupted mid-boot @slow @qemu', function () {
  this.timeout(120_000);

  before(async function () {
    const why = (await qemuUnavailable()) ?? (await namespacesUnavailable());
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    await testBootImage(['virtio-net']);
  });

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig}: the run removes its namespace, tap, bridge, QEMU and temp dir, then dies of the signal`, async () => {
      const linksBefore = await hostLinks();
      const runId = `int-${sig.toLowerCase()}-${process.pid}`;
      const child = execa('node', ['--import', 'tsx', FIXTURE, runId], { reject: false, forceKillAfterDelay: false });
      const ready = await waitForReady(child);
      expect(await leftoverNamespaces(ready.namespace)).to.deep.equal([ready.namespace]);
      expect(await leftoverQemu(ready.tempDir)).to.have.length(1);
      child.kill(sig);
      const result = await child;
      expect(result.signal, String(result.stderr)).to.equal(sig);
      await assertNothingLeft(ready, linksBefore);
    });
  }

  it('SIGTERM during a download from the distribution point: the site hosts, their servers, QEMU and the namespaces all go', async () => {
    const linksBefore = await hostLinks();
    const runId = `int-dl-${process.pid}`;
    const child = execa('node', ['--import', 'tsx', DOWNLOAD_FIXTURE, runId], { reject: false, forceKillAfterDelay: false });
    const ready = (await waitForReady(child)) as Ready & { dpPid: number };
    expect(await leftoverNamespaces(ready.namespace)).to.have.members([ready.namespace, `${ready.namespace}-dhcp`, `${ready.namespace}-dp`]);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.signal, String(result.stderr)).to.equal('SIGTERM');
    await assertNothingLeft(ready, linksBefore);
    expect(await running(ready.dpPid), 'DP process still running').to.equal(false);
  });

  it('QEMU killed from outside: the run fails and still removes everything', async () => {
    const linksBefore = await hostLinks();
    const runId = `int-qemu-${process.pid}`;
    const child = execa('node', ['--import', 'tsx', FIXTURE, runId], { reject: false, forceKillAfterDelay: false });
    const ready = await waitForReady(child);
    process.kill(ready.qemuPid, 'SIGKILL');
    const result = await child;
    expect(result.exitCode).to.equal(1);
    expect(String(result.stderr)).to.match(/machine stopped unexpectedly: SIGKILL/);
    await assertNothingLeft(ready, linksBefore);
  });

  it('the run process SIGKILLed (nothing can run then): the next sweep removes what it left', async () => {
    const linksBefore = await hostLinks();
    const runId = `int-kill-${process.pid}`;
    const child = execa('node', ['--import', 'tsx', FIXTURE, runId], { reject: false });
    const ready = await waitForReady(child);
    child.kill('SIGKILL');
    await child;
    // A QEMU-backend run also has site hosts in namespaces of their own, named after the run's.
    await execa('ip', ['netns', 'add', `${ready.namespace}-dp0`]);
    expect(await leftoverNamespaces(ready.namespace)).to.have.members([ready.namespace, `${ready.namespace}-dp0`]);
    expect(await sweepStaleRuns()).to.include(runId);
    expect(await leftoverNamespaces(ready.namespace)).to.deep.equal([]);
    // QEMU takes a moment to go after SIGKILL.
    for (let i = 0; i < 50 && (await running(ready.qemuPid)); i++) await new Promise((r) => setTimeout(r, 100));
    await assertNothingLeft(ready, linksBefore);
  });
});
