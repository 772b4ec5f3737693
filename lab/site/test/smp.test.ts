import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pack } from 'tar-stream';
import { DirectoryKeyStore, StateMigrationPointServer, StateStoreError, requestStateStore, type AccessEntry, type StateMigrationPointServerConfig, type StateStoreRequestOptions } from '../index.js';
import { tempDir } from './dp-fixture.js';

const MARKER = 'OSDLAB-PLAINTEXT-MARKER-4f1c';
const NAA = { user: 'LAB\\svc-naa', password: 'P@ss' };

/** A USMT-like store: a tar with a file that carries a known marker and some bulk. */
async function userState(bulkBytes: number): Promise<Buffer> {
  const tar = pack();
  tar.entry({ name: 'USMT/USMT.MIG/manifest.txt' }, `${MARKER}\nuser: alice\n`);
  tar.entry({ name: 'USMT/USMT.MIG/bulk.bin' }, randomBytes(bulkBytes));
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const c of tar as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

function sink(): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  return { stream: new Writable({ write: (c: Buffer, _e, done) => { chunks.push(c); done(); } }), bytes: () => Buffer.concat(chunks) };
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
}

describe('state migration point (HTTP, loopback)', function () {
  this.timeout(20_000);
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const servers: StateMigrationPointServer[] = [];

  async function startSmp(extra: Partial<StateMigrationPointServerConfig> = {}): Promise<{ smp: StateMigrationPointServer; url: string; log: AccessEntry[] }> {
    const log: AccessEntry[] = [];
    const smp = new StateMigrationPointServer({
      id: 'SMP01',
      site: 'HQ',
      folders: [{ path: join(dir.path, 'store'), maxClients: 10, minFreeBytes: 1024 * 1024 }],
      associations: { OLDPC: 'NEWPC' },
      keyStore: new DirectoryKeyStore(join(dir.path, 'keys')),
      onAccess: (e) => log.push(e),
      ...extra,
    });
    servers.push(smp);
    return { smp, url: await smp.start(), log };
  }

  const ask = (computer: string, operation: 'capture' | 'restore', extra: Partial<StateStoreRequestOptions> = {}) =>
    ({ computer, operation, retryCount: 0, retryTimeSeconds: 0, fallbackToNetworkAccessAccount: false, ...extra });

  beforeEach(async () => {
    dir = await tempDir('osdlab-smp-');
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    await dir.remove();
  });

  it('stores the state encrypted (no plaintext at rest, key kept apart) and restores the exact bytes to the associated computer only', async () => {
    const { url } = await startSmp();
    const state = await userState(256 * 1024);
    const capture = await requestStateStore(url, ask('OLDPC', 'capture'));
    const stored = await capture.upload(Readable.from([state]));
    expect(stored.bytes).to.equal(state.length);
    await capture.release();

    for (const f of await filesUnder(join(dir.path, 'store'))) {
      const bytes = await readFile(f);
      expect(bytes.includes(MARKER), `${f} holds the plaintext marker`).to.be.false;
      expect(bytes.includes(state.subarray(1024, 1088)), `${f} holds plaintext bulk`).to.be.false;
    }
    expect(await filesUnder(join(dir.path, 'keys'))).to.have.length(1);

    const other = await requestStateStore(url, ask('OLDPC', 'restore')).catch((e: unknown) => e);
    expect(other).to.be.instanceOf(StateStoreError).with.property('code', 'notAssociated');
    const stranger = await requestStateStore(url, ask('THIRDPC', 'restore')).catch((e: unknown) => e);
    expect(stranger).to.be.instanceOf(StateStoreError).with.property('code', 'noStore');

    const restore = await requestStateStore(url, ask('NEWPC', 'restore'));
    const out = sink();
    await restore.restore(out.stream);
    expect(out.bytes().equals(state)).to.be.true;

    // Only the restoring computer's own session reaches the store: another computer's direct GET is refused.
    const direct = await fetch(restore.storePath, { headers: { 'x-osdlab-computer': 'THIRDPC' } });
    expect(direct.status).to.equal(409);
  });

  it('keeps the previous store when an upload is cut half way, and says so', async () => {
    const { smp, url, log } = await startSmp();
    const first = await userState(64 * 1024);
    const session = await requestStateStore(url, ask('PC01', 'capture'));
    await session.upload(Readable.from([first]));

    const second = await userState(2 * 1024 * 1024);
    const broken = new Readable({ read() {} });
    broken.push(second.subarray(0, second.length / 2));
    setTimeout(() => broken.destroy(new Error('network cable pulled')), 50);
    const uploadsBefore = log.filter((e) => e.method === 'PUT').length;
    const failure = await session.upload(broken).catch((e: unknown) => e);
    expect(failure).to.be.instanceOf(StateStoreError).with.property('code', 'uploadBroken');
    expect((failure as Error).message).to.match(/broke after \d+ bytes .*keeps the previous store/);

    // Once the SMP has finished with the broken request: no temp file left, the old store intact.
    while (log.filter((e) => e.method === 'PUT').length === uploadsBefore) await new Promise((r) => setTimeout(r, 10));
    const names = (await filesUnder(join(dir.path, 'store'))).map((f) => f.slice(f.lastIndexOf('/') + 1)).sort();
    expect(names).to.deep.equal(['state.osdlab', 'store.json']);
    expect(smp.stores.get('PC01')?.bytes).to.equal(first.length);
    const restore = await requestStateStore(url, ask('PC01', 'restore'));
    const out = sink();
    await restore.restore(out.stream);
    expect(out.bytes().equals(first)).to.be.true;
  });

  it('refuses captures in restore-only mode without retrying, and still restores', async () => {
    const { url, log } = await startSmp();
    const session = await requestStateStore(url, ask('PC02', 'capture'));
    await session.upload(Readable.from([await userState(1024)]));
    await servers.pop()!.stop();

    const restoreOnly = await startSmp({ restoreOnly: true });
    const refused = await requestStateStore(restoreOnly.url, ask('PC03', 'capture', { retryCount: 5 })).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(StateStoreError).with.property('code', 'restoreOnly');
    expect((refused as StateStoreError).attempts).to.equal(1);
    expect((refused as Error).message).to.match(/restore-only mode/);
    expect(log.length).to.be.greaterThan(0);
    // The restarted SMP found the store and its key (key store on disk).
    const restore = await requestStateStore(restoreOnly.url, ask('PC02', 'restore'));
    await restore.restore(sink().stream);
  });

  it('enforces maximum clients per folder (retrying per OSDStateSMPRetryCount) and the minimum free space', async () => {
    const { url } = await startSmp({ folders: [{ path: join(dir.path, 'store'), maxClients: 1, minFreeBytes: 0 }] });
    const a = await requestStateStore(url, ask('PCA', 'capture'));
    const busy = await requestStateStore(url, ask('PCB', 'capture', { retryCount: 2, retryTimeSeconds: 0 })).catch((e: unknown) => e);
    expect(busy).to.be.instanceOf(StateStoreError).with.property('attempts', 3);
    expect((busy as Error).message).to.match(/already serves 1 clients/);
    // A retry finds the slot once the first client released it.
    const waiting = requestStateStore(url, ask('PCB', 'capture', { retryCount: 20, retryTimeSeconds: 0.05 }));
    setTimeout(() => void a.release(), 120);
    expect((await waiting).attempts).to.be.greaterThan(1);

    const { url: fullUrl } = await startSmp({ folders: [{ path: join(dir.path, 'full'), maxClients: 10, minFreeBytes: 2 ** 60 }] });
    const full = await requestStateStore(fullUrl, ask('PCC', 'capture', { retryCount: 1 })).catch((e: unknown) => e);
    expect(full).to.be.instanceOf(StateStoreError).with.property('attempts', 2);
    expect((full as Error).message).to.match(/less than the minimum free space/);
  });

  it('falls back to the network access account only when allowed', async () => {
    const { url } = await startSmp({ computerAccountAccess: false, networkAccessAccount: NAA });
    const denied = await requestStateStore(url, ask('PC04', 'capture', { networkAccessAccount: NAA })).catch((e: unknown) => e);
    expect(denied).to.be.instanceOf(StateStoreError).with.property('code', 'accessDenied');
    const session = await requestStateStore(url, ask('PC04', 'capture', { fallbackToNetworkAccessAccount: true, networkAccessAccount: NAA }));
    expect(session.account).to.equal('networkAccessAccount');
    await session.upload(Readable.from([await userState(1024)]));
    const wrong = await requestStateStore(url, ask('PC04', 'capture', { fallbackToNetworkAccessAccount: true, networkAccessAccount: { ...NAA, password: 'x' } })).catch((e: unknown) => e);
    expect(wrong).to.be.instanceOf(StateStoreError).with.property('code', 'accessDenied');
  });

  it('deletes a released store after the retention time, or at once with "Immediately"', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { smp, url } = await startSmp({ now: () => now });
    const capture = await requestStateStore(url, ask('OLDPC', 'capture'));
    await capture.upload(Readable.from([await userState(1024)]));
    await capture.release();
    const restore = await requestStateStore(url, ask('NEWPC', 'restore'));
    await restore.restore(sink().stream);
    expect((await restore.release()).deleteAt).to.equal('2026-01-02T00:00:00.000Z');
    expect(smp.stores.get('OLDPC')).to.not.be.undefined;
    const again = await requestStateStore(url, ask('NEWPC', 'restore')).catch((e: unknown) => e);
    expect(again).to.be.instanceOf(StateStoreError).with.property('code', 'noStore');
    now += 86_400_000;
    expect(await smp.sweep()).to.deep.equal(['OLDPC']);
    expect(await filesUnder(join(dir.path, 'keys'))).to.deep.equal([]);

    const immediate = await startSmp({ deleteAfterDays: 0, folders: [{ path: join(dir.path, 'store2'), maxClients: 10, minFreeBytes: 0 }], keyStore: new DirectoryKeyStore(join(dir.path, 'keys2')) });
    const c2 = await requestStateStore(immediate.url, ask('PC05', 'capture'));
    await c2.upload(Readable.from([await userState(1024)]));
    const r2 = await requestStateStore(immediate.url, ask('PC05', 'restore'));
    await r2.restore(sink().stream);
    await r2.release();
    expect(immediate.smp.stores.get('PC05')).to.be.undefined;
    expect(await filesUnder(join(dir.path, 'store2'))).to.deep.equal([]);
  });

  it('refuses a key store inside an SMP folder', () => {
    expect(() => new StateMigrationPointServer({ id: 'SMP09', site: 'HQ', folders: [{ path: '/tmp/x/store', maxClients: 1, minFreeBytes: 0 }], keyStore: new DirectoryKeyStore('/tmp/x/store/keys') }))
      .to.throw(/keys are never stored beside the data/);
  });
});
