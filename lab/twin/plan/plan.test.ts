import { expect } from 'chai';
import { InputError, parseScenario, type Scenario } from '../../../scenarios/index.js';
import { distribution, percentile } from './percentiles.js';
import { parseSweep, scenarioVariant, sweepPoints } from './sweep.js';
import { planCapacity } from './plan.js';
import { runCapacityPlan } from './run-plan.js';
import { planCsv } from './plan-document.js';

/** A branch behind one 100 Mbit/s WAN link, refreshed from the HQ distribution point (multicast-capable). */
function branch(clients: number, arrival = '{ pattern: allAtOnce }'): string {
  return `
name: plan-test
site:
  boundaries: [{ name: HQ, subnet: 198.18.60.0/24 }, { name: BRANCH, subnet: 198.18.64.0/22 }]
  links: [{ between: [HQ, BRANCH], bandwidth: 100Mbit, latency: 10ms }]
  managementPoint: { name: MP01, boundary: HQ }
  distributionPoints:
    - { name: DP01, boundary: HQ, bandwidth: 10Gbit, multicast: { maxClients: 1000, transferRate: 80Mbit } }
content:
  bootImages: [{ id: LAB00002, name: Boot, arch: x64, size: 300MB }]
  osImages: [{ id: LAB00003, name: Windows 11, size: 4GB, multicast: true }]
  driverPackages: [{ id: LAB00004, name: Drivers, size: 100MB }]
collections: [{ name: Refresh }]
deployments:
  - name: Refresh
    collection: Refresh
    purpose: required
    availableTo: clients
    bootImage: LAB00002
    fallbackToRemoteDp: true
    taskSequence:
      steps:
        - { name: Restart in Windows PE, type: RestartComputer, condition: { variable: _SMSTSInWinPE, equals: "false" }, with: { SMSRebootTarget: WinPE } }
        - { name: Apply OS, type: ApplyOperatingSystemImage, with: { ImagePackageID: LAB00003, OSDImageIndex: 1, DestinationDisk: "0", DestinationPartition: "3" } }
        - { name: Drivers, type: ApplyDriverPackage, with: { OSDApplyDriverDriverPackageID: LAB00004 } }
clients:
  - name: BR
    count: ${clients}
    boundary: BRANCH
    collection: Refresh
    template:
      disks: [{ size: 128GB, layout: { style: gpt, partitions: [{ type: efi, size: 100MB, fileSystem: fat32 }, { type: msr, size: 16MB }, { type: primary, size: 100%, fileSystem: ntfs }] } }]
      installedOs: { caption: Windows 10, version: 10.0.19045, partition: 3 }
    arrival: ${arrival}
`;
}

const load = (text: string): Promise<Scenario> => parseScenario('/tmp/plan-test.yaml', text);

describe('capacity plan: percentiles and sweeps', () => {
  it('takes nearest-rank percentiles: always the time of a real client', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(distribution(values)).to.deep.equal({ count: 10, p50: 5, p90: 9, p99: 10, max: 10 });
    expect(percentile([7], 1)).to.equal(7);
    expect(percentile([], 50)).to.be.NaN;
  });

  it('parses lists, ranges with and without a step, and units; the cartesian product varies the first axis slowest', () => {
    expect(parseSweep('clients=100..500:200').values).to.deep.equal([100, 300, 500]);
    expect(parseSweep('clients=100..450:200').values).to.deep.equal([100, 300, 450]);
    expect(parseSweep('clients=0100..500').values).to.deep.equal([100, 200, 300, 400, 500]);
    expect(parseSweep('linkBandwidth=10Mbit,1Gbit').values).to.deep.equal([10e6, 1e9]);
    expect(parseSweep('cacheSize=1GB..3GB:1GB').values).to.deep.equal([2 ** 30, 2 ** 31, 3 * 2 ** 30]);
    expect(parseSweep('multicast=on,off').values).to.deep.equal(['on', 'off']);
    const points = sweepPoints([parseSweep('clients=1,2'), parseSweep('multicast=on,off')]);
    expect(points).to.deep.equal([
      { clients: 1, multicast: 'on' },
      { clients: 1, multicast: 'off' },
      { clients: 2, multicast: 'on' },
      { clients: 2, multicast: 'off' },
    ]);
  });

  it('refuses unknown parameters, bad values and parameters the scenario has nothing for, naming --sweep', async () => {
    const bad = (spec: string) => expect(() => parseSweep(spec)).to.throw(InputError, /^--sweep: /);
    bad('speed=1,2');
    bad('multicast=yes');
    bad('tftpBlockSize=100');
    bad('tftpWindowSize=1..100:1');
    bad('clients=500..100');
    bad('clients=');
    const scenario = await load(branch(2));
    expect(() => scenarioVariant(scenario, { tftpBlockSize: 8192 })).to.throw(InputError, /no PXE-enabled distribution points/);
  });
});

describe('capacity plan on the twin', function () {
  this.timeout(60_000);

  it('multicast makes the OS-image phase of 200 clients behind one link far shorter than unicast', async () => {
    const scenario = await load(branch(200));
    const doc = await planCapacity(scenario, [parseSweep('multicast=on,off')]);
    const osImage = (i: number) => doc.rows[i]!.phases.find((p) => p.phase === 'osImage')!;
    expect(doc.rows.map((r) => r.parameters.multicast)).to.deep.equal(['on', 'off']);
    expect(doc.rows.every((r) => r.outcomes.success === 200)).to.equal(true);
    // Unicast: 200 copies of 4 GB share 100 Mbit/s; multicast: one 80 Mbit/s stream for all.
    expect(osImage(1).p50 / osImage(0).p50).to.be.greaterThan(20);
    expect(doc.rows[1]!.p90).to.be.greaterThan(doc.rows[0]!.p90);
  });

  it('more clients never finish sooner at p90', async () => {
    // All at once: a spread-out arrival ("over: 10m") moves the p90 client's arrival too, so p90 may drop.
    const scenario = await load(branch(1));
    const doc = await planCapacity(scenario, [parseSweep('clients=5,20,40,80')], { sampleIntervalMs: 600_000 });
    const p90 = doc.rows.map((r) => r.p90);
    for (let i = 1; i < p90.length; i++) expect(p90[i], `p90 of ${doc.rows[i]!.parameters.clients} clients`).to.be.at.least(p90[i - 1]!);
    expect(p90[3]).to.be.greaterThan(p90[0]!);
  });

  it('records per-phase times, a saturated WAN link, and cache failures', async () => {
    const scenario = await load(branch(30));
    const run = await runCapacityPlan(scenarioVariant(scenario, { multicast: 'off' }), { sampleIntervalMs: 30_000 });
    expect(run.phases.map((p) => p.phase)).to.deep.equal(['bootImage', 'osImage', 'drivers']);
    expect(run.phases.every((p) => p.count === 30)).to.equal(true);
    const wan = run.utilisation.find((u) => u.name === 'HQ→BRANCH')!;
    expect(wan.kind).to.equal('link');
    expect(wan.peak).to.be.within(0.95, 1);
    expect(run.utilisation.find((u) => u.name === 'DP01')!.kind).to.equal('distributionPoint');
    // A 200 MB client cache cannot take the 300 MB boot image: every client fails at its restart to WinPE.
    const small = await runCapacityPlan(scenarioVariant(scenario, { cacheSize: 200 * 2 ** 20 }));
    expect(small.cacheFailures).to.have.length(30);
    expect(small.cacheFailures[0]).to.include({ packageId: 'LAB00002' });
    expect(small.outcomes).to.deep.equal({ failed: 30 });
  });

  it('is deterministic: the same seed gives identical documents; with arrival jitter another seed differs', async () => {
    const scenario = await load(branch(20, '{ pattern: staggered, over: 5m }'));
    const plan = (seed: number) => planCapacity(scenario, [], { seed, arrivalJitterMs: 600_000 }).then((d) => JSON.stringify(d));
    const [a, b, c] = [await plan(7), await plan(7), await plan(8)];
    expect(a).to.equal(b);
    expect(a).to.not.equal(c);
    const doc = JSON.parse(a) as Awaited<ReturnType<typeof planCapacity>>;
    expect(planCsv(doc).split('\n')[0]).to.match(/^machines,succeeded,failed,unfinished,p50_s,p90_s,p99_s,max_s,pxe_p50_s,/);
  });
});
