import { expect } from 'chai';
import { Simulator } from '../simulator.js';
import { Topology } from '../network/topology.js';
import { FlowNetwork } from '../network/flows.js';
import { TCP_GOODPUT_FACTOR } from '../network/goodput.js';
import { tftpTransferSeconds, tftpRateCeiling } from '../site/tftp-model.js';
import { MulticastService } from '../site/multicast.js';
import { PxeResponder, pxeAnswer, type PxeClient, type PxeResponderConfig } from '../site/pxe.js';
import { DistributionPoint, contentLocations, downloadAllRefusal } from '../site/dp.js';
import { StateMigrationPoint } from '../site/smp.js';
import { startFromMedia } from '../site/media.js';

const GB = 1e9;

describe('twin site: TFTP lockstep/window model', () => {
  // perf-targets §1.3: 300 MB at 1 Gb/s, RTT 0.5 ms, seconds per (block size, window).
  const table: [number, number, number][] = [
    [512, 1, 296], [512, 64, 7.3], [1456, 1, 106], [1456, 16, 9.0], [4096, 1, 39], [4096, 8, 7.1], [8192, 4, 7.1], [16384, 16, 3.1], [16384, 64, 2.7],
  ];
  for (const [b, w, seconds] of table) {
    it(`block ${b}, window ${w}: ${seconds} s within 2%`, () => {
      expect(tftpTransferSeconds(300e6, { blockSize: b, windowSize: w }, 1e9, 0.5)).to.be.closeTo(seconds, seconds * 0.02);
    });
  }

  it('a TFTP flow alone on its link finishes at the lockstep time; the rate ceiling is what bounds it', () => {
    const sim = new Simulator();
    const t = new Topology();
    t.addLink({ id: 'l', from: 'dp', to: 'pc', bandwidthBps: 1e9, latencyMs: 0.25 });
    const net = new FlowNetwork(sim, t);
    const settings = { blockSize: 1456, windowSize: 1 };
    let done = 0;
    net.start({ route: t.route('dp', 'pc')!, bytes: 300e6, capBytesPerSec: tftpRateCeiling(300e6, settings, 1e9, 0.5), onDone: () => (done = sim.now()) });
    sim.runSync();
    expect(done / 1000).to.be.closeTo(tftpTransferSeconds(300e6, settings, 1e9, 0.5), 0.01);
    expect(() => tftpTransferSeconds(1, { blockSize: 70000, windowSize: 1 }, 1e9, 1)).to.throw(RangeError);
  });
});

describe('twin site: DP throughput anchors', () => {
  /** Images per hour a DP link moves when `clients` download `imageBytes` at once. */
  function imagesPerHour(clients: number, imageBytes: number, goodputFactor: number): number {
    const sim = new Simulator();
    const t = new Topology();
    t.addLink({ id: 'dp', from: 'dp', to: 'lan', bandwidthBps: 100e6, latencyMs: 0 });
    for (let i = 0; i < clients; i++) t.addLink({ id: `c${i}`, from: 'lan', to: `c${i}`, bandwidthBps: 1e9, latencyMs: 0 });
    const net = new FlowNetwork(sim, t, { goodputFactor });
    let last = 0;
    for (let i = 0; i < clients; i++) net.start({ route: t.route('dp', `c${i}`)!, bytes: imageBytes, onDone: () => (last = sim.now()) });
    sim.runSync();
    return (clients * 3600_000) / last;
  }

  it('"100 Mbit/s moves about 22.5 × 2 GB images per hour" (osd-behaviours §4.1) within 2%', () => {
    expect(imagesPerHour(45, 2 * GB, 1)).to.be.closeTo(22.5, 22.5 * 0.02);
  });

  it('after TCP overhead the same link moves 22.5·η images, and the 4 GB rule becomes 10.7 (perf-targets G4)', () => {
    expect(imagesPerHour(45, 2 * GB, TCP_GOODPUT_FACTOR)).to.be.closeTo(22.5 * TCP_GOODPUT_FACTOR, 0.05);
    expect(imagesPerHour(11, 4 * GB, TCP_GOODPUT_FACTOR)).to.be.closeTo(10.7, 0.05);
  });
});

describe('twin site: multicast', () => {
  const bytes = 4 * GB;
  const rate = 100e6;
  const streamMs = (bytes / (rate / 8)) * 1000;

  async function session(clients: number, joinSpreadMs: number, schedule: { startAtClients?: number; startAfterMs?: number } = {}) {
    const sim = new Simulator();
    const mc = new MulticastService(sim, { transferRateBps: rate, maxClients: 500, ...schedule });
    const finishes: number[] = [];
    for (let i = 0; i < clients; i++) {
      sim.at((i * joinSpreadMs) / Math.max(1, clients - 1), () => {
        const joined = mc.join('OSIMAGE', bytes);
        if (!joined.ok) throw new Error(joined.reason);
        void joined.done.then(() => finishes.push(sim.now()));
      });
    }
    await sim.run();
    return { finishes, last: Math.max(...finishes) };
  }

  it('1 and 200 clients take the same time within 1%, plus join waiting', async () => {
    const one = await session(1, 0);
    const many = await session(200, 60_000);
    expect(one.last).to.be.closeTo(streamMs, streamMs * 0.01);
    expect(many.last - 60_000).to.be.closeTo(one.last, one.last * 0.01);
    // Late joiners catch up by replay: each still needs exactly one full stream.
    expect(many.finishes[0]).to.be.closeTo(streamMs, 1);
  });

  it('a scheduled session waits for N clients or M minutes, whichever comes first', async () => {
    const byCount = await session(10, 9_000, { startAtClients: 10, startAfterMs: 600_000 });
    expect(byCount.finishes.every((f) => Math.abs(f - (9_000 + streamMs)) < 1)).to.equal(true);
    const byTime = await session(3, 1_000, { startAtClients: 10, startAfterMs: 300_000 });
    expect(byTime.last).to.be.closeTo(300_000 + streamMs, 1);
  });

  it('maximum clients is counted across all sessions of the DP', () => {
    const sim = new Simulator();
    const mc = new MulticastService(sim, { transferRateBps: rate, maxClients: 3 });
    expect(mc.join('IMG1', bytes).ok).to.equal(true);
    expect(mc.join('IMG2', bytes).ok).to.equal(true);
    expect(mc.join('IMG2', bytes).ok).to.equal(true);
    expect(mc.join('IMG3', bytes)).to.deep.include({ ok: false });
  });
});

describe('twin site: PXE responder', () => {
  const x64: PxeClient = { name: 'PC1', mac: '52:54:00:00:00:01', architecture: 'x64', pressesF12: false };
  const base: PxeResponderConfig = {
    id: 'pxe1',
    site: 'hq',
    bootImages: { x86: 'BOOT86', x64: 'BOOT64' },
    distributionPoint: 'dp1',
    knownComputers: ['PC1'],
    deployments: [{ id: 'DEP1', bootImage: 'BOOT86', required: true, targets: ['PC1'] }],
  };

  it('an x64 machine with no x64 boot image fails at PXE, even for an x86 task sequence', () => {
    const r = new PxeResponder({ ...base, bootImages: { x86: 'BOOT86' } });
    const a = pxeAnswer(x64, [r]);
    expect(a.kind).to.equal('fail');
    expect(a.kind === 'fail' && a.reason).to.contain('no x64 boot image');
    expect(pxeAnswer({ ...x64, architecture: 'x86' }, [r]).kind).to.equal('boot');
  });

  it('unknown computers get no answer unless unknown computer support is on', () => {
    const stranger = { ...x64, name: 'NEW', mac: '52:54:00:99:99:99' };
    const deployments = [{ id: 'DEPU', bootImage: 'BOOT64', required: true, targets: 'unknownComputers' as const }];
    expect(pxeAnswer(stranger, [new PxeResponder({ ...base, deployments })]).kind).to.equal('fallThrough');
    expect(pxeAnswer(stranger, [new PxeResponder({ ...base, deployments, unknownComputerSupport: true })]).kind).to.equal('boot');
  });

  it('an available deployment needs F12; a required one does not', () => {
    const r = new PxeResponder({ ...base, deployments: [{ id: 'AV', bootImage: 'BOOT64', required: false, targets: ['PC1'] }] });
    expect(pxeAnswer(x64, [r]).kind).to.equal('fallThrough');
    expect(pxeAnswer({ ...x64, pressesF12: true }, [r]).kind).to.equal('boot');
  });

  it('the last required PXE deployment is not offered again until cleared', () => {
    const r = new PxeResponder(base);
    const first = pxeAnswer(x64, [r]);
    expect(first.kind).to.equal('boot');
    if (first.kind === 'boot') r.recordRequiredRun(x64, first.deployment);
    expect(pxeAnswer(x64, [r]).kind).to.equal('fallThrough');
    r.clearLastPxeAdvertisement('PC1');
    expect(pxeAnswer(x64, [r]).kind).to.equal('boot');
  });

  it('several PXE servers on a subnet: the first answer wins (response delay)', () => {
    const cm = new PxeResponder({ ...base, responseDelayMs: 2000 });
    const rogue = new PxeResponder({ ...base, id: 'legacy-wds', kind: 'other' });
    expect(pxeAnswer(x64, [cm, rogue]).kind).to.equal('foreign');
    const slowRogue = new PxeResponder({ ...base, id: 'legacy-wds', kind: 'other', responseDelayMs: 5000 });
    expect(pxeAnswer(x64, [slowRogue, cm])).to.deep.include({ kind: 'boot', responder: cm });
  });
});

describe('twin site: distribution points and content location', () => {
  const dps = [
    new DistributionPoint({ id: 'branch-dp', site: 'branch', packages: ['DRV'] }),
    new DistributionPoint({ id: 'hq-dp', site: 'hq', packages: ['IMG', 'DRV'] }),
    new DistributionPoint({ id: 'hq-protected', site: 'hq', packages: ['IMG'], protected: true }),
  ];
  const distance = (dp: DistributionPoint) => (dp.config.site === 'hq' ? 10 : 1);

  it('uses local DPs; remote ones only when allowed; protected DPs only for their own site', () => {
    const local = { allowRemote: false, allowUnprotected: false };
    expect(contentLocations('DRV', 'branch', dps, local, distance).map((d) => d.id)).to.deep.equal(['branch-dp']);
    expect(contentLocations('IMG', 'branch', dps, local, distance)).to.deep.equal([]);
    expect(contentLocations('IMG', 'branch', dps, { ...local, allowRemote: true }, distance).map((d) => d.id)).to.deep.equal(['hq-dp']);
    expect(contentLocations('IMG', 'hq', dps, local, distance).map((d) => d.id)).to.deep.equal(['hq-protected']);
    expect(contentLocations('DRV', 'hq', dps, local, distance)).to.deep.equal([]);
    expect(contentLocations('DRV', 'hq', dps, { ...local, allowUnprotected: true }, distance).map((d) => d.id)).to.deep.equal(['hq-dp']);
  });

  it('refuses "download all before starting" with PXE, media, or a repartitioned cache disk', () => {
    expect(downloadAllRefusal('pxe', false)).to.contain('PXE');
    expect(downloadAllRefusal('media', false)).to.contain('boot media');
    expect(downloadAllRefusal('os', true)).to.contain('Format and Partition Disk');
    expect(downloadAllRefusal('os', false)).to.equal(undefined);
  });

  it('queues clients beyond the connection limit', async () => {
    const sim = new Simulator();
    const dp = new DistributionPoint({ id: 'dp', site: 's', packages: [], maxConnections: 1 });
    const order: string[] = [];
    const client = async (name: string) => {
      const release = await dp.connect(sim);
      order.push(`${name} in at ${sim.now()}`);
      await sim.sleep(100);
      release();
    };
    const all = Promise.all([client('a'), client('b')]);
    await sim.run();
    await all;
    expect(order).to.deep.equal(['a in at 0', 'b in at 100']);
  });
});

describe('twin site: state migration point and media', () => {
  it('honours restore-only, max clients, minimum free space, associations and the deletion policy', async () => {
    const sim = new Simulator();
    const smp = new StateMigrationPoint(sim, {
      id: 'smp1', site: 'hq', capacityBytes: 10 * GB, maxClients: 1, minFreeBytes: 2 * GB, deleteAfterDays: 1, associations: { OLD: 'NEW' },
    });
    expect(smp.requestCapture('OLD')).to.deep.include({ ok: true });
    expect(smp.requestCapture('OTHER')).to.deep.include({ ok: false, retryable: true });
    expect(smp.writeState('OLD', 9 * GB)).to.deep.include({ ok: false });
    expect(smp.writeState('OLD', 3 * GB)).to.deep.include({ ok: true });
    smp.release('OLD', false);
    expect(smp.requestRestore('NEW')).to.deep.include({ ok: true, source: 'OLD', bytes: 3 * GB });
    expect(smp.requestRestore('STRANGER')).to.deep.include({ ok: false });
    smp.release('NEW', true);
    sim.runSync(86_400_000 - 1);
    expect(smp.storeOf('OLD')).to.not.equal(undefined);
    sim.runSync();
    expect(smp.storeOf('OLD')).to.equal(undefined);
    const readOnly = new StateMigrationPoint(sim, { id: 'smp2', site: 'hq', capacityBytes: 10 * GB, maxClients: 5, minFreeBytes: 0, restoreOnly: true });
    expect(readOnly.requestCapture('X')).to.deep.include({ ok: false, retryable: false });
  });

  it('media: expiry, password on an unattended run, and architecture mismatch that starts anyway', () => {
    const media = { kind: 'boot' as const, architecture: 'x64' as const, bootImage: 'B64' };
    expect(startFromMedia({ ...media, expiresAtMs: 10 }, 'x64', 11, false)).to.deep.include({ ok: false, stallsForUser: false });
    expect(startFromMedia({ ...media, password: 'p' }, 'x64', 0, false)).to.deep.include({ ok: false, stallsForUser: true });
    expect(startFromMedia({ ...media, password: 'p' }, 'x64', 0, true)).to.deep.include({ ok: true });
    expect(startFromMedia(media, 'x86', 0, false)).to.deep.include({ ok: true, architectureMismatch: true });
    expect(startFromMedia({ ...media, kind: 'standalone' }, 'x64', 0, false)).to.deep.include({ needsNetwork: false, bootedFrom: 'standaloneMedia' });
  });
});
