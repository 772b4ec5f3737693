// The scenario's driver catalog, its boot images' driver lists (with the mistakes a user makes)
// and the driver-step plan both backends follow.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InputError, parseScenario } from '../../scenarios/index.js';
import {
  bootImageLinuxModules,
  LAB_DEVICES,
  planDriverStep,
  scenarioBootImageDriverLists,
  scenarioDriverCatalog,
  type DriverCatalog,
} from '../index.js';
import { infText, NIC_SCENARIO, nicScenario } from './helpers.js';

const devices = () => LAB_DEVICES.map((d) => ({ ...d.pci, driverLoaded: false }));
const names = (c: DriverCatalog) => c.drivers.map((d) => basename(d.inf.file)).sort();

async function inputError(work: Promise<unknown>): Promise<InputError> {
  const err = await work.then(() => undefined, (e: unknown) => e);
  expect(err).to.be.instanceOf(InputError);
  return err as InputError;
}

describe('scenario driver catalog', () => {
  it('imports the INF files of a driver package\'s source folder; a package with only hardwareIds is one declared driver', async () => {
    const scenario = await nicScenario('[viostor.inf]', "    - { id: LAB00006, name: Standard PC, size: 1MB, hardwareIds: ['PCI\\VEN_8086&DEV_100E'] }\n");
    const catalog = await scenarioDriverCatalog(scenario);
    expect(names(catalog)).to.deep.equal(['LAB00006 (hardwareIds)', 'netkvm.inf', 'viostor.inf']);
    const pkg = catalog.packages.find((p) => p.packageId === 'LAB00004')!;
    expect(pkg.driverIds.map((id) => basename(id))).to.deep.equal(['netkvm.inf', 'viostor.inf']);
    expect(pkg.source).to.match(/drivers\/test\/fixtures\/virtio-win$/);
    expect(pkg.distributionPoints).to.deep.equal(['DP01']);
    const declared = catalog.drivers.find((d) => d.inf.file === 'LAB00006 (hardwareIds)')!;
    expect(declared.inf.modelsSections.map((s) => s.section)).to.deep.equal(['HardwareIds.NTx86', 'HardwareIds.NTamd64']);
    expect(declared.inf.class).to.equal(undefined);
  });

  it('a source folder without INF files: InputError at the source field with its line', async () => {
    const text = (await readFile(NIC_SCENARIO, 'utf8')).replace('source: ../virtio-win', 'source: .');
    const err = await inputError(scenarioDriverCatalog(await parseScenario(NIC_SCENARIO, text)));
    const p = err.problems[0]!;
    expect(p).to.include({ file: NIC_SCENARIO, path: 'content.driverPackages[0].source' });
    expect(p.line).to.be.a('number');
    expect(p.message).to.match(/driver package LAB00004: the folder holds no \.inf file .*a driver package's source is the folder of its drivers/);
  });
});

describe('boot image driver lists', () => {
  it('takes INF names and package IDs; the QEMU lab\'s image then has the modules of exactly those drivers and the inbox ones', async () => {
    const scenario = await nicScenario('[viostor.inf]');
    const catalog = await scenarioDriverCatalog(scenario);
    const listed = scenarioBootImageDriverLists(scenario, catalog).get('LAB00002')!;
    expect(listed.map((d) => basename(d.inf.file))).to.deep.equal(['viostor.inf']);
    expect(bootImageLinuxModules(listed, 'x64')).to.deep.equal(['e1000', 'virtio_blk', 'ahci', 'nvme']);

    const whole = await nicScenario('[LAB00004]');
    const all = scenarioBootImageDriverLists(whole, await scenarioDriverCatalog(whole)).get('LAB00002')!;
    expect(bootImageLinuxModules(all, 'x64')).to.deep.equal(['virtio_net', 'virtio_net', 'e1000', 'virtio_blk', 'ahci', 'nvme']);
  });

  it('a boot image without a list has none: the lab\'s default applies', async () => {
    const text = (await readFile(NIC_SCENARIO, 'utf8')).replace(', drivers: [viostor.inf]', '');
    const scenario = await parseScenario(NIC_SCENARIO, text);
    expect(scenarioBootImageDriverLists(scenario, await scenarioDriverCatalog(scenario)).size).to.equal(0);
  });

  it('an entry that names nothing: InputError naming the entry, its line and what is allowed', async () => {
    const scenario = await nicScenario('[viostor.inf, e1g6032e.inf]');
    const err = await inputError(scenarioDriverCatalog(scenario).then((c) => scenarioBootImageDriverLists(scenario, c)));
    const p = err.problems[0]!;
    expect(p).to.include({ path: 'content.bootImages[0].drivers[1]', line: 17 });
    expect(p.message).to.equal('found "e1g6032e.inf"; allowed: driver package IDs (LAB00004) or INF names of their sources (netkvm.inf, viostor.inf)');
  });

  it('a package known only by hardware IDs cannot go into a boot image: its drivers\' class is unknown', async () => {
    const scenario = await nicScenario('[LAB00006]', "    - { id: LAB00006, name: Standard PC, size: 1MB, hardwareIds: ['PCI\\VEN_8086&DEV_100E'] }\n");
    const err = await inputError(scenarioDriverCatalog(scenario).then((c) => scenarioBootImageDriverLists(scenario, c)));
    expect(err.message).to.match(/content\.bootImages\[0\]\.drivers\[0\]: driver package LAB00006 names only hardware IDs, so the class of its drivers is unknown; .*give the package a source folder with its INF files/);
  });

  it('a driver that is neither mass storage nor network is refused, as ConfigMgr advises', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'osdlab-display-'));
    try {
      const display = infText(
        '[Manufacturer]\n%Mfg%=Models,NTamd64\n[Models.NTamd64]\n%Desc%=Install,PCI\\VEN_1234&DEV_1111\n[Install]\n[Strings]\nMfg="Test"\nDesc="Test display"\n',
      ).replace('Class=Net\nClassGUID={4d36e972-e325-11ce-bfc1-08002be10318}', 'Class=Display\nClassGUID={4d36e968-e325-11ce-bfc1-08002be10318}');
      await writeFile(join(dir, 'stdvga.inf'), display);
      const scenario = await nicScenario('[stdvga.inf]', `    - { id: LAB00007, name: Display, size: 1MB, source: ${dir} }\n`);
      const err = await inputError(scenarioDriverCatalog(scenario).then((c) => scenarioBootImageDriverLists(scenario, c)));
      expect(err.message).to.include('content.bootImages[0].drivers[0]: stdvga.inf: class Display is neither mass storage nor network; a boot image takes only mass storage and network drivers');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('driver step plan (both backends)', () => {
  let catalog: DriverCatalog;
  before(async () => {
    catalog = await scenarioDriverCatalog(await nicScenario());
  });
  const everywhere = { architecture: 'x64' as const, available: () => true };

  it('Auto Apply Drivers, best match: netkvm for both virtio-net devices, viostor for virtio-blk, from the package that holds them', () => {
    const plan = planDriverStep({ mode: 'auto', bestMatch: true, allowUnsigned: true }, devices(), catalog, everywhere);
    expect(plan.failure).to.equal(undefined);
    expect(plan.downloads.map((d) => [d.packageId, d.drivers.map((s) => [s.inf, s.folder])])).to.deep.equal([['LAB00004', [['netkvm.inf', ''], ['viostor.inf', '']]]]);
    expect(plan.downloads[0]!.drivers[0]!.storeFolder).to.match(/^netkvm\.inf_amd64_[0-9a-f]{16}$/);
    expect(plan.log[0]).to.equal('Auto Apply Drivers: install only the best matched compatible drivers; all categories');
    expect(plan.log[1]).to.match(/OSDAllowUnsignedDriver\) is ignored on Windows Vista and later/);
    expect(plan.record).to.include('PCI\\VEN_1AF4&DEV_1041&SUBSYS_11001AF4&REV_01 -> netkvm.inf [RedHat.NT$ARCH$] rank 0x80FF0000');
    expect(plan.record).to.include('PCI\\VEN_8086&DEV_100E&SUBSYS_11001AF4&REV_03 -> inbox:e1000 (Intel PRO/1000 inbox) [Inbox.NTamd64] rank 0x00FF2001');
  });

  it('content on no reachable distribution point: Auto Apply stages nothing and says why; Apply Driver Package fails', () => {
    const none = { architecture: 'x64' as const, available: () => false };
    const auto = planDriverStep({ mode: 'auto', bestMatch: false, allowUnsigned: false }, devices(), catalog, none);
    expect(auto.downloads).to.deep.equal([]);
    expect(auto.log.join('\n')).to.include('not used netkvm.inf: driver package LAB00004 is not on a reachable distribution point');
    const pkg = planDriverStep({ mode: 'package', packageId: 'LAB00004', bestMatch: false, allowUnsigned: false }, devices(), catalog, none);
    expect(pkg.failure).to.equal('content of driver package LAB00004 is not on a reachable distribution point');
    expect(planDriverStep({ mode: 'package', packageId: 'LAB00099', bestMatch: false, allowUnsigned: false }, devices(), catalog, everywhere).failure).to.equal(
      'driver package LAB00099 is not a driver package of this site (known: LAB00004)',
    );
  });

  it('categories limit Auto Apply: a driver outside them is not used', () => {
    const plan = planDriverStep({ mode: 'auto', bestMatch: true, allowUnsigned: false, categories: ['Storage'] }, devices(), catalog, everywhere);
    expect(plan.downloads).to.deep.equal([]);
    expect(plan.log.join('\n')).to.include('not used netkvm.inf: in categories [], none of the selected [Storage]');
  });
});
