import { expect } from 'chai';
import type { PartitionDiskRequest, PartitionSpec } from '../../../harness/index.js';
import { TwinWorld, type TwinWorldConfig } from '../world.js';
import { TwinMachine } from '../machine.js';
import type { TwinMachineConfig } from '../machine-config.js';
import { EXIT } from '../exit-codes.js';
import { InputError } from '../../../scenarios/index.js';
import { GIB, MIB } from '../disk/partition-types.js';

const GB = 1e9;
const PENDING = Symbol('pending');

function worldConfig(over: Partial<TwinWorldConfig> = {}, pxe: Record<string, unknown> = {}): TwinWorldConfig {
  return {
    seed: 1,
    content: [
      { packageId: 'BOOT64', bytes: 300e6, kind: 'bootImage', architecture: 'x64' },
      { packageId: 'BOOT86', bytes: 250e6, kind: 'bootImage', architecture: 'x86' },
      { packageId: 'IMG', bytes: 4 * GB, kind: 'osImage', architecture: 'x64', appliedBytes: 12 * GB },
      { packageId: 'DRV', bytes: 1 * GB, kind: 'driverPackage' },
    ],
    sites: [
      {
        id: 'hq',
        distributionPoints: [{ id: 'dp1', site: 'hq', packages: ['BOOT64', 'BOOT86', 'IMG', 'DRV'], servingRateBps: 1e9 }],
        pxeResponders: [
          {
            id: 'pxe1',
            site: 'hq',
            bootImages: { x64: 'BOOT64', x86: 'BOOT86' },
            distributionPoint: 'dp1',
            knownComputers: ['PC1'],
            deployments: [{ id: 'DEP1', bootImage: 'BOOT64', required: true, targets: ['PC1'] }],
            ...pxe,
          },
        ],
        stateMigrationPoints: [{ id: 'smp1', site: 'hq', capacityBytes: 100 * GB, maxClients: 10, minFreeBytes: GB }],
      },
    ],
    ...over,
  };
}

function machineConfig(over: Partial<TwinMachineConfig> = {}): TwinMachineConfig {
  return {
    name: 'PC1',
    site: 'hq',
    firmware: 'uefi',
    architecture: 'x64',
    memoryMB: 4096,
    nic: { model: 'e1000', mac: '52:54:00:00:00:01' },
    disks: [{ sizeBytes: 64 * GIB, controller: 'nvme' }],
    bootOrder: ['network', 'disk'],
    deployment: { mandatory: true, download: 'downloadOnDemand', allowRemoteDp: false, allowUnprotectedDp: false },
    ...over,
  };
}

const spec = (type: PartitionSpec['type'], size: PartitionSpec['size'], more: Partial<PartitionSpec> = {}): PartitionSpec => ({ type, size, quickFormat: true, bootable: false, ...more });
const GPT: PartitionDiskRequest = {
  diskIndex: 0, style: 'gpt', diskType: 'basic',
  partitions: [spec('efi', { value: 260, unit: 'MB' }, { fileSystem: 'fat32' }), spec('msr', { value: 16, unit: 'MB' }), spec('primary', 'remaining', { fileSystem: 'ntfs', letterVariable: 'OSDisk' })],
};
const MBR: PartitionDiskRequest = { diskIndex: 0, style: 'mbr', diskType: 'basic', partitions: [spec('primary', 'remaining', { fileSystem: 'ntfs', bootable: true })] };

/** Runs a script against the world's clock the way the engine will: one awaited operation at a time. */
async function drive<T>(world: TwinWorld, script: () => Promise<T>): Promise<T | typeof PENDING> {
  const result = script();
  await world.sim.run();
  return Promise.race([result, Promise.resolve(PENDING)]);
}

async function deployOs(m: TwinMachine, layout: PartitionDiskRequest) {
  const boot = await m.powerOn();
  expect(boot.booted, JSON.stringify(boot)).to.equal(true);
  expect((await m.partitionDisk(layout)).exitCode).to.equal(0);
  const got = await m.downloadContent({ packageId: 'IMG', mode: 'downloadOnDemand', destination: 'tsCache' });
  expect(got.exitCode, got.output?.join()).to.equal(0);
  const applied = await m.applyImage({ packageId: 'IMG', imageIndex: 1, target: {}, wipe: true, kind: 'os', contentLocation: got.location! });
  expect(applied.exitCode, applied.output?.join()).to.equal(0);
  return m.restart('FullOS');
}

describe('TwinMachine', () => {
  it('bare metal UEFI: PXE → partition GPT → download → apply → restart into the full OS', async () => {
    const world = new TwinWorld(worldConfig());
    const m = new TwinMachine(world, machineConfig());
    const outcome = await drive(world, async () => {
      const r = await deployOs(m, GPT);
      return { r, facts: await m.facts(), at: world.sim.now() };
    });
    if (outcome === PENDING) throw new Error('the run did not finish');
    expect(outcome.r).to.deep.include({ booted: true, environment: 'FullOS' });
    expect(outcome.facts.operatingSystem?.architecture).to.equal('x64');
    expect(outcome.facts.pciDevices[0]).to.deep.include({ vendorId: '8086', deviceId: '100E', subsystemId: '1100', subsystemVendorId: '1AF4', revision: '03' });
    expect(outcome.facts.pciDevices[1]).to.deep.include({ vendorId: '1B36', deviceId: '0010' });
    // The 4 GB download alone needs S/(ηC) ≈ 33.7 s at 1 Gb/s; the whole run takes minutes, not hours.
    expect(outcome.at).to.be.greaterThan(33_700).and.lessThan(3_600_000);
  });

  it('UEFI machine on an MBR disk without an ESP does not come back after Restart Computer', async () => {
    const world = new TwinWorld(worldConfig());
    const m = new TwinMachine(world, machineConfig());
    const r = await drive(world, () => deployOs(m, MBR));
    expect(r).to.deep.include({ booted: false });
    expect(r !== PENDING && !r.booted && r.reason).to.contain('EFI system partition');
  });

  it('BIOS machine: MBR without an active partition and GPT without BIOS boot setup do not boot', async () => {
    for (const layout of [{ ...MBR, partitions: [{ ...MBR.partitions[0]!, bootable: false }] }, GPT]) {
      const world = new TwinWorld(worldConfig());
      const m = new TwinMachine(world, machineConfig({ firmware: 'bios', disks: [{ sizeBytes: 64 * GIB, controller: 'ahci' }] }));
      const r = await drive(world, () => deployOs(m, layout));
      expect(r, layout.style).to.deep.include({ booted: false });
    }
    const world = new TwinWorld(worldConfig());
    const ok = new TwinMachine(world, machineConfig({ firmware: 'bios' }));
    expect(await drive(world, () => deployOs(ok, MBR))).to.deep.include({ booted: true, environment: 'FullOS' });
  });

  it('cache too small: the download fails with ERROR_DISK_FULL and the documented message', async () => {
    const world = new TwinWorld(worldConfig());
    const installed = { 3: { '\\windows\\system32\\ntoskrnl.exe': 8 * MIB }, 1: { '\\efi\\microsoft\\boot\\bootmgfw.efi': 1024 } };
    const m = new TwinMachine(world, machineConfig({
      bootOrder: ['disk'],
      cacheSizeBytes: 1000 * MIB,
      disks: [{ sizeBytes: 64 * GIB, controller: 'nvme', initial: { layout: GPT, files: installed } }],
    }));
    const r = await drive(world, async () => {
      expect(await m.powerOn()).to.deep.include({ environment: 'FullOS' });
      return m.downloadContent({ packageId: 'IMG', mode: 'downloadOnDemand', destination: 'ccmCache' });
    });
    expect(r).to.deep.include({ exitCode: EXIT.diskFull });
    expect(r !== PENDING && r.output?.join('\n')).to.contain('cache is too small');
  });

  it('x64 without an x64 boot image fails at PXE', async () => {
    const world = new TwinWorld(worldConfig({}, { bootImages: { x86: 'BOOT86' } }));
    const m = new TwinMachine(world, machineConfig());
    const r = await drive(world, () => m.powerOn());
    expect(r !== PENDING && !r.booted && r.reason).to.contain('no x64 boot image');
  });

  it('a PXE password on an unattended run stalls until the prompt times out', async () => {
    const world = new TwinWorld(worldConfig({}, { password: 'secret' }));
    const m = new TwinMachine(world, machineConfig());
    const r = await drive(world, () => m.powerOn());
    expect(r !== PENDING && !r.booted && r.reason).to.contain('timed out');
    expect(world.sim.now()).to.be.at.least(m.timings.promptTimeoutMs);
  });

  it('the required PXE deployment is not offered again until cleared: the machine falls through to its disk', async () => {
    const world = new TwinWorld(worldConfig());
    const m = new TwinMachine(world, machineConfig());
    const r = await drive(world, async () => {
      const first = await m.powerOn();
      const second = await m.powerOn();
      world.pxeResponders.get('hq')![0]!.clearLastPxeAdvertisement('PC1');
      const third = await m.powerOn();
      return [first, second, third];
    });
    if (r === PENDING) throw new Error('pending');
    expect(r[0]).to.deep.include({ booted: true, environment: 'WinPE' });
    expect(r[1]!.booted === false && r[1]!.reason).to.contain('no partition table');
    expect(r[2]).to.deep.include({ booted: true, environment: 'WinPE' });
  });

  it('missing content: optional fails at once, mandatory waits until it is distributed', async () => {
    const content = worldConfig();
    content.sites[0]!.distributionPoints![0]!.packages = ['BOOT64', 'IMG'];
    for (const mandatory of [false, true]) {
      const world = new TwinWorld({ ...content, distributionEvents: [{ atMs: 3_600_000, distributionPoint: 'dp1', packageId: 'DRV' }] });
      const m = new TwinMachine(world, machineConfig({ deployment: { mandatory, download: 'downloadOnDemand', allowRemoteDp: false, allowUnprotectedDp: false } }));
      const r = await drive(world, async () => {
        await m.powerOn();
        await m.partitionDisk(GPT);
        const start = world.sim.now();
        const got = await m.downloadContent({ packageId: 'DRV', mode: 'downloadOnDemand', destination: 'tsCache' });
        return { got, waited: world.sim.now() - start };
      });
      if (r === PENDING) throw new Error('pending');
      if (mandatory) {
        expect(r.got.exitCode).to.equal(0);
        expect(r.waited).to.be.greaterThan(3_000_000);
      } else {
        expect(r.got.exitCode).to.equal(EXIT.contentNotFound);
        expect(r.waited).to.equal(0);
      }
    }
  });

  it('content downloaded before the start into the cache disk makes Format and Partition fail', async () => {
    const world = new TwinWorld(worldConfig());
    const installed = { 3: { '\\windows\\system32\\ntoskrnl.exe': 8 * MIB }, 1: { '\\efi\\microsoft\\boot\\bootmgfw.efi': 1024 } };
    const m = new TwinMachine(world, machineConfig({
      bootOrder: ['disk'],
      cacheSizeBytes: 10 * GIB,
      deployment: { mandatory: true, download: 'downloadAll', allowRemoteDp: false, allowUnprotectedDp: false },
      disks: [{ sizeBytes: 64 * GIB, controller: 'nvme', initial: { layout: GPT, files: installed } }],
    }));
    const r = await drive(world, async () => {
      await m.powerOn();
      const got = await m.downloadContent({ packageId: 'DRV', mode: 'downloadAll', destination: 'ccmCache' });
      expect(got.exitCode).to.equal(0);
      return m.partitionDisk(GPT);
    });
    expect(r).to.deep.include({ exitCode: EXIT.generalFailure });
  });

  it('stand-alone media: content not on the media and Auto Apply Drivers fail', async () => {
    const world = new TwinWorld(worldConfig());
    const m = new TwinMachine(world, machineConfig({
      bootOrder: ['media', 'disk'],
      media: { kind: 'standalone', architecture: 'x64', bootImage: 'BOOT64', packages: ['IMG'] },
    }));
    const r = await drive(world, async () => {
      await m.powerOn();
      await m.partitionDisk(GPT);
      return {
        img: await m.downloadContent({ packageId: 'IMG', mode: 'downloadOnDemand', destination: 'tsCache' }),
        drv: await m.downloadContent({ packageId: 'DRV', mode: 'downloadOnDemand', destination: 'tsCache' }),
        auto: await m.applyDrivers({ mode: 'auto', bestMatch: true, allowUnsigned: false }),
      };
    });
    if (r === PENDING) throw new Error('pending');
    expect(r.img.exitCode).to.equal(0);
    expect(r.drv.exitCode).to.equal(EXIT.generalFailure);
    expect(r.auto.exitCode).to.equal(EXIT.generalFailure);
  });

  it('boot media of the wrong architecture starts the run, then fails at the first architecture-dependent step', async () => {
    const world = new TwinWorld(worldConfig());
    const m = new TwinMachine(world, machineConfig({ architecture: 'x86', bootOrder: ['media'], media: { kind: 'boot', architecture: 'x64', bootImage: 'BOOT64' } }));
    const r = await drive(world, async () => [await m.powerOn(), await m.runCommand({ commandLine: 'setup.exe', disableWow64Redirection: false })] as const);
    if (r === PENDING) throw new Error('pending');
    expect(r[0]).to.deep.include({ booted: true, environment: 'WinPE' });
    expect(r[1].exitCode).to.equal(EXIT.badArchitecture);
  });

  it('user state to the state migration point and back, with the store request and release', async () => {
    const world = new TwinWorld(worldConfig());
    const m = new TwinMachine(world, machineConfig({ userStateBytes: 2 * GB }));
    const r = await drive(world, async () => {
      await m.powerOn();
      const req = await m.stateStore({ operation: 'capture', retryCount: 0, retryDelaySeconds: 0, fallbackToNetworkAccessAccount: false });
      const cap = await m.userState({ operation: 'capture', storeLocation: 'stateMigrationPoint', hardLinks: false, continueOnError: false });
      await m.stateStore({ operation: 'release', retryCount: 0, retryDelaySeconds: 0, fallbackToNetworkAccessAccount: false });
      await m.stateStore({ operation: 'restore', retryCount: 0, retryDelaySeconds: 0, fallbackToNetworkAccessAccount: false });
      const res = await m.userState({ operation: 'restore', storeLocation: 'stateMigrationPoint', hardLinks: false, continueOnError: false });
      return [req, cap, res].map((o) => o.exitCode);
    });
    expect(r).to.deep.equal([0, 0, 0]);
    expect(world.stateMigrationPoints[0]!.storeOf('PC1')?.bytes).to.equal(2 * GB);
  });

  it('is deterministic, and many machines share the DP link fairly', async () => {
    const run = async () => {
      const config = worldConfig();
      config.sites[0]!.distributionPoints![0]!.servingRateBps = 100e6;
      const names = Array.from({ length: 20 }, (_, i) => `PC${i + 1}`);
      const pxe = config.sites[0]!.pxeResponders![0]!;
      pxe.knownComputers = names;
      pxe.deployments![0]!.targets = names;
      const world = new TwinWorld(config);
      const machines = names.map((name, i) =>
        new TwinMachine(world, machineConfig({ name, nic: { model: 'virtio-net', mac: `52:54:00:00:01:${String(i).padStart(2, '0')}` } })),
      );
      const finished: number[] = [];
      await drive(world, () =>
        Promise.all(machines.map(async (m) => {
          await m.powerOn();
          await m.partitionDisk(GPT);
          await m.downloadContent({ packageId: 'DRV', mode: 'downloadOnDemand', destination: 'tsCache' });
          finished.push(world.sim.now());
        })),
      );
      return finished;
    };
    const a = await run();
    const b = await run();
    expect(a).to.have.length(20);
    expect(a).to.deep.equal(b);
    // 20 boot images and 20 driver packages all cross the 100 Mb/s DP link.
    const linkBound = ((20 * (300e6 + 1e9)) / ((100e6 / 8) * 0.9493)) * 1000;
    expect(Math.max(...a)).to.be.at.least(linkBound);
    expect(Math.max(...a) - Math.min(...a)).to.be.lessThan(0.01 * Math.max(...a));
  });
});

describe('TwinMachine: site knobs', () => {
  it('management point policy lag delays the start after PXE', async () => {
    const config = worldConfig();
    config.sites[0]!.managementPoint = { policyAvailableAtMs: 3_600_000, policyRequestMs: 1000 };
    const world = new TwinWorld(config);
    const m = new TwinMachine(world, machineConfig());
    const r = await drive(world, async () => [await m.powerOn(), world.sim.now()] as const);
    if (r === PENDING) throw new Error('pending');
    expect(r[0]).to.deep.include({ booted: true });
    expect(r[1]).to.equal(3_601_000);
  });

  it('a boot image needing more memory than the machine has does not start', async () => {
    const config = worldConfig();
    config.content[0]!.memoryRequiredMB = 2048;
    const world = new TwinWorld(config);
    const m = new TwinMachine(world, machineConfig({ memoryMB: 1024 }));
    const r = await drive(world, () => m.powerOn());
    expect(r !== PENDING && !r.booted && r.reason).to.contain('memory');
  });

  it('multicast image download: 1 and 50 machines take the same stream time; over max clients falls back to unicast', async () => {
    const timeFor = async (count: number, maxClients: number) => {
      const config = worldConfig();
      config.sites[0]!.multicast = { dp1: { transferRateBps: 200e6, maxClients } };
      const world = new TwinWorld(config);
      const machines = Array.from({ length: count }, (_, i) => new TwinMachine(world, machineConfig({
        name: `M${i}`, bootOrder: ['disk'],
        deployment: { mandatory: true, download: 'downloadOnDemand', allowRemoteDp: false, allowUnprotectedDp: false, multicast: true },
        disks: [{ sizeBytes: 64 * GIB, controller: 'nvme', initial: { layout: GPT } }],
      })));
      const ends: number[] = [];
      await drive(world, () => Promise.all(machines.map(async (m) => {
        m.state = { environment: 'WinPE', bootedFrom: 'pxe', architectureMismatch: false, poweredOn: true };
        const got = await m.downloadContent({ packageId: 'IMG', mode: 'downloadOnDemand', destination: 'tsCache' });
        expect(got.exitCode).to.equal(0);
        ends.push(world.sim.now());
      })));
      return Math.max(...ends);
    };
    const stream = ((4 * GB) / (200e6 / 8)) * 1000;
    expect(await timeFor(1, 100)).to.be.closeTo(stream, stream * 0.01);
    expect(await timeFor(50, 100)).to.be.closeTo(stream, stream * 0.01);
    // 10 over the cap go unicast and share the 1 Gb/s DP link among themselves.
    const overflow = await timeFor(60, 50);
    expect(overflow).to.be.greaterThan(((10 * 4 * GB) / (1e9 / 8)) * 1000);
  });
});

describe('TwinMachine: unsupported disk layouts and download options', () => {
  const installed = { 3: { '\\windows\\system32\\ntoskrnl.exe': 8 * MIB }, 1: { '\\efi\\microsoft\\boot\\bootmgfw.efi': 1024 } };

  it('capturing a striped (or spanned, mirrored, RAID-5) volume is not supported', async () => {
    for (const volumeLayout of ['spanned', 'striped', 'mirrored', 'raid5'] as const) {
      const world = new TwinWorld(worldConfig());
      const m = new TwinMachine(world, machineConfig({
        bootOrder: ['disk'],
        disks: [{ sizeBytes: 64 * GIB, controller: 'nvme', initial: { layout: { ...GPT, diskType: 'dynamic' }, volumeLayout, files: installed } }],
      }));
      const r = await drive(world, async () => {
        await m.powerOn();
        return m.captureImage({ destination: '\\\\dp1\\captures\\ref.wim' });
      });
      expect(r, volumeLayout).to.deep.include({ exitCode: EXIT.notSupported });
    }
  });

  it('an image captured from a basic disk cannot be applied to a dynamic disk; simple dynamic → dynamic can', async () => {
    for (const fromDynamic of [false, true]) {
      const config = worldConfig();
      config.content[2]!.capturedFromDynamic = fromDynamic;
      const world = new TwinWorld(config);
      const m = new TwinMachine(world, machineConfig());
      const r = await drive(world, async () => {
        await m.powerOn();
        await m.partitionDisk({ ...GPT, diskType: 'dynamic' });
        const got = await m.downloadContent({ packageId: 'IMG', mode: 'accessFromDp', destination: 'tsCache' });
        return m.applyImage({ packageId: 'IMG', imageIndex: 1, target: { logicalDrive: 'C:' }, wipe: true, kind: 'os', contentLocation: got.location! });
      });
      expect(r).to.deep.include({ exitCode: fromDynamic ? EXIT.success : EXIT.notSupported });
    }
  });

  it('"download all before starting" is refused on a PXE-started run', async () => {
    const world = new TwinWorld(worldConfig());
    const m = new TwinMachine(world, machineConfig());
    const r = await drive(world, async () => {
      await m.powerOn();
      await m.partitionDisk(GPT);
      return m.downloadContent({ packageId: 'DRV', mode: 'downloadAll', destination: 'tsCache' });
    });
    expect(r).to.deep.include({ exitCode: EXIT.generalFailure });
    expect(r !== PENDING && r.output?.join()).to.contain('PXE');
  });
});

describe('twin configuration checks', () => {
  it('names the field of a dangling reference as an InputError', () => {
    const config = worldConfig({ distributionEvents: [{ atMs: 0, distributionPoint: 'nowhere', packageId: 'IMG' }] });
    config.sites[0]!.pxeResponders![0]!.distributionPoint = 'dp9';
    let error: unknown;
    try {
      new TwinWorld(config);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(InputError);
    const paths = (error as InputError).problems.map((p) => p.path);
    expect(paths).to.deep.equal(['sites[0].pxeResponders[0].distributionPoint', 'distributionEvents[0].distributionPoint']);
    const world = new TwinWorld(worldConfig());
    expect(() => new TwinMachine(world, machineConfig({ site: 'mars' }))).to.throw(InputError, 'unknown site "mars"');
  });
});
