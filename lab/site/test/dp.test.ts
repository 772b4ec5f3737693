import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile, rm, symlink } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContentNotFoundError, DistributionPointServer, downloadWithResume, type AccessEntry, type DownloadEvent } from '../index.js';
import { packageSource, rawGet, sha256, tempDir, type PackageSource } from './dp-fixture.js';

const MIB = 1024 * 1024;
const run = promisify(execFile);

async function hasCurl(): Promise<boolean> {
  return run('curl', ['--version']).then(() => true, () => false);
}

// Both ways of sending file bytes: sendfile(2) (the default on Linux) and through user space.
for (const zeroCopy of [true, false]) describe(`distribution point (HTTP, loopback, ${zeroCopy ? 'sendfile' : 'through user space'})`, function () {
  this.timeout(30_000);
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let image: PackageSource;
  let later: PackageSource;
  const servers: DistributionPointServer[] = [];

  async function startDp(extra: Partial<ConstructorParameters<typeof DistributionPointServer>[0]> = {}): Promise<{ dp: DistributionPointServer; url: string; log: AccessEntry[] }> {
    const log: AccessEntry[] = [];
    const dp = new DistributionPointServer({
      id: 'DP01',
      site: 'HQ',
      packages: [
        { packageId: 'LAB00001', version: 3, source: image.dir },
        { packageId: 'LAB00002', source: later.dir, distributed: false },
      ],
      onAccess: (e) => log.push(e),
      accessLogPath: join(dir.path, 'access.log'),
      zeroCopy,
      ...extra,
    });
    servers.push(dp);
    return { dp, url: await dp.start(), log };
  }

  before(async () => {
    dir = await tempDir('osdlab-dp-');
    image = await packageSource(dir.path, 'LAB00001', 4 * MIB);
    later = await packageSource(dir.path, 'LAB00002', 64 * 1024, 'setup.exe');
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  after(async () => {
    await dir.remove();
  });

  it('serves a whole file, a single range, an open-ended range and a suffix range byte-exactly', async () => {
    const { url } = await startDp();
    const file = `${url}/SMS_DP_SMSPKG$/LAB00001/image.wim`;
    const size = image.bytes.length;

    const whole = await rawGet(file);
    expect(whole.status).to.equal(200);
    expect(whole.headers['accept-ranges']).to.equal('bytes');
    expect(sha256(whole.body)).to.equal(image.sha256);

    const single = await rawGet(file, { range: 'bytes=1000-1999' });
    expect(single.status).to.equal(206);
    expect(single.headers['content-range']).to.equal(`bytes 1000-1999/${size}`);
    expect(single.body.equals(image.bytes.subarray(1000, 2000))).to.be.true;

    const open = await rawGet(file, { range: `bytes=${size - 4096}-` });
    expect(open.status).to.equal(206);
    expect(open.body.equals(image.bytes.subarray(size - 4096))).to.be.true;

    const suffix = await rawGet(file, { range: 'bytes=-500' });
    expect(suffix.status).to.equal(206);
    expect(suffix.headers['content-range']).to.equal(`bytes ${size - 500}-${size - 1}/${size}`);
    expect(suffix.body.equals(image.bytes.subarray(size - 500))).to.be.true;

    const beyond = await rawGet(`${url}/SMS_DP_SMSPKG$/LAB00001.3/image.wim`, { range: `bytes=${size}-` });
    expect(beyond.status).to.equal(416);
    expect(beyond.headers['content-range']).to.equal(`bytes */${size}`);

    // A stale If-Range (the content changed since the partial download) gets the whole file.
    const stale = await rawGet(file, { range: 'bytes=10-19', 'if-range': '"LAB00001.2-1-1"' });
    expect(stale.status).to.equal(200);
    expect(stale.body.length).to.equal(size);
  });

  it('gives curl the same bytes for a range, when curl is installed', async function () {
    if (!(await hasCurl())) this.skip();
    const { url } = await startDp();
    const out = join(dir.path, 'curl-range.bin');
    await run('curl', ['-sS', '-f', '-r', '4096-8191', '-o', out, `${url}/SMS_DP_SMSPKG$/LAB00001/image.wim`]);
    expect((await readFile(out)).equals(image.bytes.subarray(4096, 8192))).to.be.true;
  });

  it('lists the package files and refuses paths outside the package', async () => {
    const { url } = await startDp();
    const list = await rawGet(`${url}/SMS_DP_SMSPKG$/LAB00001/`);
    expect(JSON.parse(list.body.toString())).to.deep.equal({
      packageId: 'LAB00001', version: 3, distributionPoint: 'DP01', files: [{ path: 'image.wim', bytes: image.bytes.length }],
    });
    const escape = await rawGet(`${url}/SMS_DP_SMSPKG$/LAB00001/%2e%2e%2fLAB00002%2fsetup.exe`);
    expect(escape.status).to.equal(400);
    await symlink(join(later.dir, 'setup.exe'), join(image.dir, 'link.exe'));
    try {
      expect((await rawGet(`${url}/SMS_DP_SMSPKG$/LAB00001/link.exe`)).status).to.equal(400);
    } finally {
      await rm(join(image.dir, 'link.exe'));
    }
    expect((await rawGet(`${url}/SMS_DP_SMSPKG$/LAB00001.2/image.wim`)).status).to.equal(404);
  });

  it('resumes a download cut half way with Range; the file verifies and the access log shows both requests', async () => {
    const { dp, url, log } = await startDp();
    dp.dropNextTransferAfter(image.bytes.length / 2);
    const result = await downloadWithResume(`${url}/SMS_DP_SMSPKG$/LAB00001/image.wim`, join(dir.path, 'resumed.wim'), { retryDelayMs: 50 });
    expect(result.resumes).to.equal(1);
    expect(result.sha256).to.equal(image.sha256);
    const transfers = log.filter((e) => e.resource === 'LAB00001/image.wim');
    expect(transfers.map((e) => [e.status, e.range.replace(/\d+/, 'N')])).to.deep.equal([[200, '-'], [206, 'bytes=N-']]);
    // The client resumes from what reached its disk: at most what the DP sent before the cut.
    const resumedAt = Number(/\d+/.exec(transfers[1].range)![0]);
    expect(transfers[0].bytes).to.be.at.least(image.bytes.length / 2);
    expect(resumedAt).to.be.within(1, transfers[0].bytes);
    expect(transfers[1].bytes).to.equal(image.bytes.length - resumedAt);
    await dp.stop();
    const lines = (await readFile(join(dir.path, 'access.log'), 'utf8')).trim().split('\n');
    expect(lines.at(-1)).to.match(/ 127\.0\.0\.1 GET LAB00001\/image\.wim bytes=\d+- 206 \d+ \d+$/);
  });

  it('answers 404 with a reason until the content is distributed, then 200', async () => {
    const { dp, url } = await startDp({ controlApi: true });
    const file = `${url}/SMS_DP_SMSPKG$/LAB00002/setup.exe`;
    const before = await rawGet(file);
    expect(before.status).to.equal(404);
    const reason = JSON.parse(before.body.toString()) as { error: string; state: string };
    expect(reason.state).to.equal('notDistributed');
    expect(reason.error).to.match(/LAB00002 is not yet available on distribution point DP01/);
    expect(dp.has('LAB00002')).to.be.false;
    const failed = await downloadWithResume(file, join(dir.path, 'setup.exe')).catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(ContentNotFoundError);

    // In process (a scenario event) or through the control API (a DP in a child process).
    const answer = await fetch(`${url}/osdlab/distribute`, { method: 'POST', body: JSON.stringify({ packageId: 'LAB00002' }) });
    expect(answer.status).to.equal(200);
    expect(dp.has('LAB00002')).to.be.true;
    const after = await rawGet(file);
    expect(after.status).to.equal(200);
    expect(sha256(after.body)).to.equal(later.sha256);
    expect((await rawGet(`${url}/SMS_DP_SMSPKG$/NOPE0001/x`)).status).to.equal(404);
  });

  it('refuses the client beyond its concurrent-transfer limit with 503 and Retry-After', async () => {
    const { dp, url } = await startDp({ maxConnections: 2, rateBytesPerSec: 256 * 1024, retryAfterSeconds: 7 });
    const file = `${url}/SMS_DP_SMSPKG$/LAB00001/image.wim`;
    const held: IncomingMessage[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        held.push(await new Promise<IncomingMessage>((resolve, reject) => request(file, { agent: false }, resolve).once('error', reject).end()));
      }
      expect(held.map((r) => r.statusCode)).to.deep.equal([200, 200]);
      expect(dp.activeTransfers).to.equal(2);
      const third = await rawGet(file);
      expect(third.status).to.equal(503);
      expect(third.headers['retry-after']).to.equal('7');
      // The resuming client backs off on 503 and gets its turn once a slot is free.
      const events: DownloadEvent[] = [];
      const waiting = downloadWithResume(`${url}/SMS_DP_SMSPKG$/LAB00002.1/setup.exe`, join(dir.path, 'busy.exe'), { maxRetryAfterMs: 50, attempts: 100, onEvent: (e) => events.push(e) });
      dp.distribute('LAB00002');
      while (!events.some((e) => e.kind === 'busy')) await new Promise((r) => setTimeout(r, 10));
      held.shift()!.destroy();
      expect((await waiting).sha256).to.equal(later.sha256);
    } finally {
      for (const r of held) r.destroy();
    }
  });

  it('holds all clients together to the configured rate (within 10%)', async () => {
    const rate = 4 * MIB;
    const { url } = await startDp({ rateBytesPerSec: rate });
    const file = `${url}/SMS_DP_SMSPKG$/LAB00001/image.wim`;
    const started = performance.now();
    const answers = await Promise.all([rawGet(file), rawGet(file)]);
    const seconds = (performance.now() - started) / 1000;
    for (const a of answers) expect(sha256(a.body)).to.equal(image.sha256);
    const ratio = (2 * image.bytes.length) / seconds / rate;
    expect(ratio).to.be.within(0.9, 1.1);
  });
});
