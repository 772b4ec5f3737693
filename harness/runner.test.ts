import { expect } from 'chai';
import { parseScenario, InputError } from '../scenarios/index.js';
import { TwinBackend } from '../lab/index.js';
import { runScenario, parseShard, type Lab, type LabBackend, type MachinePlan } from './index.js';
import { planScenario } from './runner/plan.js';
import { selectPlans } from './runner/select.js';

/** A small site: one boundary, MP, a PXE DP holding an x64 boot image, an OS image and the client package. */
function scenarioText(parts: { machines: string; deployments?: string; extra?: string; bootImageArch?: string }): string {
  return `
name: runner-test
site:
  boundaries: [{ name: HQ, subnet: 198.18.10.0/24 }]
  managementPoint: { name: MP01, boundary: HQ }
  distributionPoints:
    - { name: DP01, boundary: HQ, pxe: { unknownComputerSupport: true } }
content:
  bootImages: [{ id: LAB00002, name: Boot, arch: ${parts.bootImageArch ?? 'x64'}, size: 300MB }]
  osImages: [{ id: LAB00003, name: Windows, size: 4GB }]
  packages: [{ id: LAB00005, name: Client, kind: client, size: 95MB }]
collections:
  - { name: Unknown, unknownComputers: true }
deployments:
${
  parts.deployments ??
  `  - name: Deploy
    collection: Unknown
    purpose: required
    availableTo: mediaAndPxe
    bootImage: LAB00002
    taskSequence:
      steps:
        - name: Partition
          type: FormatAndPartitionDisk
          with: { OSDDiskIndex: 0, OSDPartitionStyle: GPT }
          partitions:
            - { type: EFI, size: 500MB, fileSystem: FAT32 }
            - { type: MSR, size: 128MB }
            - { type: Primary, size: 100%, fileSystem: NTFS, letterVariable: OSDisk }
        - name: Apply
          type: ApplyOperatingSystemImage
          with: { ImagePackageID: LAB00003, OSDImageIndex: 1, DestinationVariable: OSDisk }`
}
machines:
${parts.machines}
${parts.extra ?? ''}`;
}

const machine = (name: string, more = '') => `  - { name: ${name}, firmware: uefi, arch: x64, bootOrder: [disk, pxe], boundary: HQ${more} }`;

describe('scenario runner', function () {
  this.timeout(30_000);

  it('runs every machine in one lab and scores it; results come back in scenario order', async () => {
    const scenario = await parseScenario('/tmp/runner.yaml', scenarioText({ machines: [machine('PC-B'), machine('PC-A', ', expect: { outcome: success, disks: [{ index: 0, style: gpt }] }')].join('\n') }));
    const seen: string[] = [];
    const run = await runScenario(scenario, { backend: new TwinBackend(), onProgress: (p) => seen.push(p.result.name) });
    expect(run.result.machines.map((m) => m.name)).to.deep.equal(['PC-B', 'PC-A']);
    expect(seen).to.have.members(['PC-A', 'PC-B']);
    expect(run.result.pass).to.equal(true);
    const a = run.result.machines[1]!;
    expect(a.expectations.map((e) => [e.what, e.pass])).to.deep.equal([
      ['outcome', true],
      ['disk 0 partition style', true],
    ]);
    expect(a.variables._SMSTSLaunchMode).to.equal('PXE');
    expect(run.logs.get('PC-A')![0]!.text).to.contain('Instruction name: Apply');
  });

  it('a machine the PXE point cannot boot never starts: failed at "(PXE boot)" with the reason, all steps not run', async () => {
    const scenario = await parseScenario('/tmp/runner.yaml', scenarioText({ machines: machine('PC-X'), bootImageArch: 'x86' }));
    const run = await runScenario(scenario, { backend: new TwinBackend() });
    const m = run.result.machines[0]!;
    expect(m.outcome).to.equal('failed');
    expect(m.failedStep).to.equal('(PXE boot)');
    expect(m.steps[0]).to.include({ name: '(PXE boot)', status: 'failed' });
    expect(m.steps[0]!.reason).to.match(/no x64 boot image/);
    expect(m.steps.slice(1).every((s) => s.status === 'notRun')).to.equal(true);
    expect(m.pass).to.equal(false);
  });

  it('an available PXE deployment starts too: someone at the machine presses F12', async () => {
    const text = scenarioText({ machines: machine('PC-A') }).replace('purpose: required', 'purpose: available');
    const run = await runScenario(await parseScenario('/tmp/runner.yaml', text), { backend: new TwinBackend() });
    expect(run.result.machines[0]).to.include({ outcome: 'success' });
  });

  it('a machine no deployment reaches is an input error naming the machine and its line', async () => {
    const text = scenarioText({ machines: machine('PC-A'), extra: 'computers: [{ name: PC-A, mac: "52:54:00:00:00:0A" }]' }).replace('  - { name: PC-A, firmware', '  - { name: PC-A, nic: { mac: "52:54:00:00:00:0A" }, firmware');
    const scenario = await parseScenario('/tmp/runner.yaml', text);
    const err = await runScenario(scenario, { backend: new TwinBackend() }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    expect((err as InputError).message).to.match(/^\/tmp\/runner\.yaml:\d+:\d+ machines\[0\]: machine "PC-A" runs no deployment: it is computer record "PC-A" in no collection/);
  });

  it('a required deployment whose content never reaches a distribution point leaves the machine waiting: outcome error', async () => {
    const text = scenarioText({ machines: machine('PC-A') }).replace('osImages: [{ id: LAB00003, name: Windows, size: 4GB }]', 'osImages: [{ id: LAB00003, name: Windows, size: 4GB, distributionPoints: [] }]');
    const run = await runScenario(await parseScenario('/tmp/runner.yaml', text), { backend: new TwinBackend() });
    expect(run.result.machines[0]).to.include({ outcome: 'error', pass: false });
    expect(run.result.machines[0]!.error).to.match(/still waiting/);
  });

  it('a powerOff event is a fault that ends the machine\'s run as an error', async () => {
    const text = scenarioText({ machines: machine('PC-A'), extra: 'events: [{ at: 3m, powerOff: PC-A }]' });
    const run = await runScenario(await parseScenario('/tmp/runner.yaml', text), { backend: new TwinBackend() });
    const m = run.result.machines[0]!;
    expect(m.outcome).to.equal('error');
    expect(m.error).to.match(/power lost/);
  });

  it('closes the lab when a machine fails to start with an exception', async () => {
    const scenario = await parseScenario('/tmp/runner.yaml', scenarioText({ machines: machine('PC-A') }));
    let closed = false;
    const lab: Lab = {
      clock: { now: () => 0, sleep: async () => undefined },
      start: async () => {
        throw new Error('boom');
      },
      run: async (work) => {
        await work;
      },
      observe: async () => ({ disks: [], files: {}, userStateRestored: false, bootsToFullOs: false }),
      close: async () => {
        closed = true;
      },
    };
    const backend: LabBackend = { name: 'qemu', open: async () => lab };
    const err = await runScenario(scenario, { backend }).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('boom');
    expect(closed).to.equal(true);
  });
});

describe('--only and --shard', () => {
  const names = Array.from({ length: 16 }, (_, i) => `PC${String(i).padStart(2, '0')}[${i % 2 ? 'uefi' : 'bios'},x${i % 3}]`);
  const plans = (order: string[]) => order.map((name) => ({ machine: { name } }) as unknown as MachinePlan);

  it('shards partition the machines: each exactly once, sizes within one, unchanged by reordering', () => {
    const shards = [1, 2, 3, 4].map((i) => selectPlans(plans(names), undefined, { index: i, count: 4 }).selected.map((p) => p.machine.name));
    expect(shards.flat()).to.have.members(names);
    expect(new Set(shards.flat()).size).to.equal(16);
    for (const s of shards) expect(s.length).to.equal(4);
    const reversed = [1, 2, 3, 4].map((i) => selectPlans(plans([...names].reverse()), undefined, { index: i, count: 4 }).selected.map((p) => p.machine.name).sort());
    expect(reversed).to.deep.equal(shards.map((s) => [...s].sort()));
  });

  it('--only takes exact names (brackets are literal) and * / ? globs; an unknown name is an input error', () => {
    expect(selectPlans(plans(names), [names[3]!], undefined).selected).to.have.length(1);
    expect(selectPlans(plans(names), ['*[uefi,*'], undefined).selected).to.have.length(8);
    expect(() => selectPlans(plans(names), ['PC99'], undefined)).to.throw(InputError, /no machine or client group named "PC99"/);
  });

  it('parses I/N and refuses anything else', () => {
    expect(parseShard('2/4')).to.deep.equal({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '1-4']) expect(() => parseShard(bad), bad).to.throw(InputError, /is not a shard/);
  });

  it('clientLogs: false keeps no client smsts.log; single machines keep theirs and the results do not change', async () => {
    const text = scenarioText({
      machines: machine('PC-A'),
      extra: `clients:
  - { name: BR, count: 3, boundary: HQ, collection: Unknown, template: { bootOrder: [disk, pxe] }, arrival: { pattern: staggered, over: 2m } }`,
    });
    const scenario = await parseScenario('/tmp/runner.yaml', text);
    const kept = await runScenario(scenario, { backend: new TwinBackend() });
    const discarded = await runScenario(scenario, { backend: new TwinBackend(), clientLogs: false });
    expect([...kept.logs.keys()]).to.have.members(['PC-A', 'BR']);
    expect([...discarded.logs.keys()]).to.deep.equal(['PC-A']);
    expect(discarded.logs.get('PC-A')).to.deep.equal(kept.logs.get('PC-A'));
    const strip = (r: typeof kept) => ({ ...r.result, startedAt: '', finishedAt: '' });
    expect(strip(discarded)).to.deep.equal(strip(kept));
  });

  it('client groups are one unit and arrive as their pattern says', async () => {
    const text = scenarioText({
      machines: '  []',
      extra: `clients:
  - { name: BR, count: 5, boundary: HQ, collection: Unknown, template: { bootOrder: [disk, pxe] }, arrival: { pattern: staggered, over: 20m } }`,
    });
    const scenario = await parseScenario('/tmp/runner.yaml', text);
    const all = planScenario(scenario);
    expect(all.map((p) => p.powerOnAtMs)).to.deep.equal([0, 300_000, 600_000, 900_000, 1_200_000]);
    expect(selectPlans(all, ['BR'], undefined).selected).to.have.length(5);
  });
});
