import { expect } from 'chai';
import { EnvironmentError, InputError, parseScenario, type Scenario } from '../../../scenarios/index.js';
import { runScenario, type MachinePlan } from '../../../harness/index.js';
import { TwinBackend } from '../scenario-lab.js';
import { twinMachineConfig } from './machine-config.js';
import { twinWorldConfig } from './world-config.js';
import { ScenarioTwinMachine } from './scenario-machine.js';
import { TwinWorld } from '../world.js';

function text(machine: string, extra = ''): string {
  return `
name: twin-adapter
site:
  boundaries: [{ name: HQ, subnet: 198.18.10.0/24 }, { name: BRANCH, subnet: 198.18.64.0/22 }]
  links: [{ between: [HQ, BRANCH], bandwidth: 100Mbit, latency: 20ms, loss: 0.1% }]
  managementPoint: { name: MP01, boundary: HQ }
  distributionPoints:
    - { name: DP01, boundary: HQ, bandwidth: 10Gbit, pxe: { tftpBlockSize: 8192, tftpWindowSize: 8 }, multicast: { transferRate: 80Mbit, scheduled: { minClients: 5, timeout: 10m } } }
content:
  bootImages: [{ id: LAB00002, name: Boot, arch: x64, size: 300MB }]
  osImages: [{ id: LAB00003, name: Windows, size: 4GB, multicast: true }]
  packages: [{ id: LAB00005, name: Client, kind: client, size: 95MB, distributionPoints: [] }]
collections:
  - { name: Known, members: [PC-A] }
computers:
  - { name: PC-A, smbiosGuid: 8A1C2B3D-4E5F-4A6B-9C7D-0E1F2A3B4C5D }
deployments:
  - name: Deploy
    collection: Known
    purpose: required
    availableTo: mediaAndPxe
    bootImage: LAB00002
    taskSequence:
      steps:
        - { name: Partition, type: FormatAndPartitionDisk, with: { OSDDiskIndex: 0, OSDPartitionStyle: MBR }, partitions: [{ type: Primary, size: 100%, fileSystem: NTFS, bootable: true }] }
        - { name: Stamp, type: RunCommandLine, command: 'cmd /c echo x > C:\\stamp.txt' }
machines:
${machine}
events:
  - { at: 15m, distributeContent: LAB00005, to: DP01 }
${extra}`;
}

const PC_A = '  - { name: PC-A, smbios: { uuid: 8A1C2B3D-4E5F-4A6B-9C7D-0E1F2A3B4C5D, biosVersion: "1.16" }, processorSpeed: 3000, nic: { model: e1000e }, bootOrder: [disk, pxe], boundary: HQ, expect: { outcome: success, files: [C:\\stamp.txt] } }';

function planOf(scenario: Scenario): MachinePlan {
  return { machine: scenario.machines[0]!, collections: scenario.collections, deployment: scenario.deployments[0]!, launch: 'pxe', powerOnAtMs: 0, computer: scenario.computers[0]! };
}

describe('twin scenario adapter', function () {
  this.timeout(20_000);

  it('maps the site: boundaries as sites, the WAN link, DP rate, PXE TFTP settings, multicast, known computers, later distribution', async () => {
    const scenario = await parseScenario('/tmp/twin.yaml', text(PC_A));
    const world = twinWorldConfig(scenario, [planOf(scenario)]);
    expect(world.links).to.deep.equal([{ id: 'link:HQ-BRANCH', from: 'HQ', to: 'BRANCH', bandwidthBps: 100e6, latencyMs: 20, loss: 0.001 }]);
    const hq = world.sites.find((s) => s.id === 'HQ')!;
    expect(hq.distributionPoints).to.deep.equal([{ id: 'DP01', site: 'HQ', packages: ['LAB00002', 'LAB00003'], servingRateBps: 10e9 }]);
    expect(hq.multicast).to.deep.equal({ DP01: { transferRateBps: 80e6, maxClients: 100, startAtClients: 5, startAfterMs: 600_000 } });
    const pxe = hq.pxeResponders![0]!;
    expect(pxe.tftp).to.deep.equal({ blockSize: 8192, windowSize: 8 });
    expect(pxe.bootImages).to.deep.equal({ x64: 'LAB00002' });
    // Matched by SMBIOS GUID only: the machine's own name makes it known to the PXE point.
    expect(pxe.knownComputers).to.include('PC-A');
    expect(pxe.deployments).to.deep.equal([{ id: 'Deploy', bootImage: 'LAB00002', required: true, targets: ['PC-A'] }]);
    expect(world.distributionEvents).to.deep.equal([{ atMs: 900_000, distributionPoint: 'DP01', packageId: 'LAB00005' }]);
  });

  it('gives the machine the scenario NIC\'s real PCI IDs, processor speed and BIOS version; a command\'s redirection writes its file', async () => {
    const scenario = await parseScenario('/tmp/twin.yaml', text(PC_A));
    const run = await runScenario(scenario, { backend: new TwinBackend() });
    const m = run.result.machines[0]!;
    expect(m.outcome, JSON.stringify(m.steps)).to.equal('success');
    expect(m.expectations.find((e) => e.what.startsWith('file'))).to.include({ pass: true });
    const { config, extras } = twinMachineConfig(scenario, planOf(scenario));
    expect(config.nic.model).to.equal('e1000');
    const world = new TwinWorld(twinWorldConfig(scenario, [planOf(scenario)]));
    const facts = await new ScenarioTwinMachine(world, config, extras, world.sim).facts();
    expect(facts.pciDevices[0]).to.include({ vendorId: '8086', deviceId: '10D3', classCode: '020000' });
    expect(facts.networkAdapters[0]!.model).to.equal('e1000e');
    expect(facts.processorSpeedMHz).to.equal(3000);
    expect(facts.smbios.biosVersion).to.equal('1.16');
  });

  it('refuses hardware the twin has no model of, naming the field and its line', async () => {
    const scenario = await parseScenario('/tmp/twin.yaml', text(PC_A.replace('nic: { model: e1000e }', 'nic: { model: rtl8139 }')));
    const err = await runScenario(scenario, { backend: new TwinBackend() }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EnvironmentError);
    expect((err as Error).message).to.match(/^\/tmp\/twin\.yaml:\d+:\d+ machines\[0\]\.nic\.model: the twin has no model of NIC model "rtl8139"/);
  });

  it('reports a starting layout osddiskpart refuses against the scenario', async () => {
    const five = Array.from({ length: 5 }, () => '{ type: primary, size: 1GB }').join(', ');
    const scenario = await parseScenario('/tmp/twin.yaml', text(PC_A.replace('bootOrder:', `disks: [{ size: 64GB, layout: { style: mbr, partitions: [${five}] } }], bootOrder:`)));
    const err = await runScenario(scenario, { backend: new TwinBackend() }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.match(/machines\[0\]\.disks\[0\]\.layout: PC-A: /);
  });

  it('refuses events it cannot model rather than ignoring them', async () => {
    const scenario = await parseScenario('/tmp/twin.yaml', text(PC_A, '  - { at: 20m, removeContent: LAB00005, from: DP01 }'));
    const err = await runScenario(scenario, { backend: new TwinBackend() }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EnvironmentError);
    expect((err as Error).message).to.match(/cannot remove content/);
  });
});
