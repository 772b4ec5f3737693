import { expect } from 'chai';
import type { PciDevice } from '../../harness/index.js';
import { InputError } from '../../scenarios/index.js';
import {
  DEFAULT_TARGET_OS,
  LAB_DEVICES,
  applyDriverPackage,
  autoApplyDrivers,
  bootImageDrivers,
  decideDriverStep,
  guestKernelModules,
  importDrivers,
  type CatalogDriver,
  type DriverCatalog,
} from '../index.js';
import { catalogDriver, infText, LAB, nicInf, VIRTIO } from './helpers.js';

const device = (qemuDevice: string): PciDevice => ({ ...LAB_DEVICES.find((d) => d.qemuDevice === qemuDevice)!.pci, driverLoaded: false });
const machine = ['virtio-net-pci', 'virtio-blk-pci', 'e1000', 'ich9-ahci', 'nvme', 'virtio-blk-pci,disable-legacy=on'].map(device);

async function labDrivers(): Promise<Record<'netkvm' | 'viostor' | 'pro1000', CatalogDriver>> {
  const all = await importDrivers([VIRTIO, LAB]);
  const byName = (n: string) => ({ ...all.find((d) => d.id.endsWith(n))!, signed: true });
  return { netkvm: byName('netkvm.inf'), viostor: byName('viostor.inf'), pro1000: byName('pro1000-lab.inf') };
}

describe('Auto Apply Drivers decision', () => {
  it('stages the best catalog driver per device and says what Windows Setup installs, inbox included', async () => {
    const d = await labDrivers();
    const catalog: DriverCatalog = {
      drivers: [d.netkvm, d.viostor, d.pro1000],
      packages: [{ packageId: 'LAB00010', name: 'Virtio', driverIds: [d.netkvm.id, d.viostor.id, d.pro1000.id], distributionPoints: ['DP01'] }],
    };
    const decisions = autoApplyDrivers(machine, catalog, { bestMatch: true });
    const summary = decisions.map((x) => [x.device.name, x.staged.map((c) => c.driver.inf.file.split('/').pop()), x.installed?.driver.inf.file.split('/').pop()]);
    expect(summary).to.deep.equal([
      ['PCI 1AF4:1000', ['netkvm.inf'], 'netkvm.inf'],
      ['PCI 1AF4:1001', ['viostor.inf'], 'viostor.inf'],
      ['PCI 8086:100E', ['pro1000-lab.inf'], 'pro1000-lab.inf'],
      ['PCI 8086:2922', [], 'inbox:storahci.inf'],
      ['PCI 1B36:0010', [], 'inbox:stornvme.inf'],
      ['PCI 1AF4:1042', [], undefined],
    ]);
    expect(decisions[5].reason).to.equal('Auto Apply Drivers (best matched driver) no catalog driver qualifies; no staged or inbox driver matches: the device stays without a driver');
    expect(decisions[3].reason).to.match(/Windows Setup installs inbox:storahci.inf \(the inbox driver, rank 0x00FF2005\)/);
    expect(decisions[0].pci?.deviceId).to.equal('1000');
  });

  it('excludes disabled drivers, drivers outside the selected categories and drivers on no reachable DP', async () => {
    const line = '%Desc%=Install,PCI\\VEN_1AF4&DEV_1000';
    const mk = (id: string, extra: Partial<CatalogDriver>) => catalogDriver(nicInf(id, line), id, extra);
    const drivers = [
      mk('disabled.inf', { enabled: false }),
      mk('beta.inf', { categories: ['Beta'] }),
      mk('nopackage.inf', { categories: ['Production'] }),
      mk('branch-only.inf', { categories: ['Production'] }),
      mk('good.inf', { categories: ['Production'] }),
    ];
    const catalog: DriverCatalog = {
      drivers,
      packages: [
        { packageId: 'LAB00001', name: 'Main', driverIds: ['disabled.inf', 'beta.inf', 'good.inf'], distributionPoints: ['DP01'] },
        { packageId: 'LAB00002', name: 'Branch', driverIds: ['branch-only.inf'], distributionPoints: ['DP-BRANCH'] },
      ],
    };
    const [decision] = autoApplyDrivers([device('virtio-net-pci')], catalog, { bestMatch: false, categories: ['Production'], distributionPoints: ['DP01'] });
    expect(decision.staged.map((c) => c.driver.id)).to.deep.equal(['good.inf']);
    expect(Object.fromEntries(decision.excluded.map((e) => [e.driver.id, e.reason]))).to.deep.equal({
      'disabled.inf': 'disabled in the catalog',
      'beta.inf': 'in categories [Beta], none of the selected [Production]',
      'nopackage.inf': 'in no driver package, so its content is on no distribution point',
      'branch-only.inf': 'driver package LAB00002 is not on a reachable distribution point',
    });
  });

  it('stages all compatible drivers when best match is off, and Setup still installs the best', () => {
    const exact = catalogDriver(nicInf('exact', '%Desc%=Install,PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00'), 'exact.inf');
    const generic = catalogDriver(nicInf('generic', '%Desc%=Install,PCI\\VEN_1AF4&DEV_1000'), 'generic.inf');
    const catalog: DriverCatalog = { drivers: [generic, exact], packages: [{ packageId: 'P', name: 'P', driverIds: ['exact.inf', 'generic.inf'], distributionPoints: ['DP01'] }] };
    const all = autoApplyDrivers([device('virtio-net-pci')], catalog, { bestMatch: false })[0];
    expect(all.staged.map((c) => c.driver.id)).to.deep.equal(['exact.inf', 'generic.inf']);
    expect(all.installed?.driver.id).to.equal('exact.inf');
    const best = autoApplyDrivers([device('virtio-net-pci')], catalog, { bestMatch: true })[0];
    expect(best.staged.map((c) => c.driver.id)).to.deep.equal(['exact.inf']);
  });
});

describe('Apply Driver Package decision', () => {
  const x86Only = catalogDriver(infText('[Manufacturer]\nM=M,NTx86\n[M.NTx86]\nD=I,PCI\\VEN_1AF4&DEV_1000\n'), 'x86only.inf');
  const storage = catalogDriver(nicInf('stor', '%Desc%=Install,PCI\\VEN_1AF4&DEV_1001'), 'stor.inf');
  const catalog: DriverCatalog = {
    drivers: [x86Only, storage],
    packages: [
      { packageId: 'LAB00020', name: 'Model X', driverIds: ['x86only.inf', 'stor.inf'], distributionPoints: ['DP01'] },
      { packageId: 'LAB00021', name: 'Undistributed', driverIds: ['stor.inf'], distributionPoints: [] },
    ],
  };

  it('stages every applicable driver of the package, matched or not, and skips other architectures', () => {
    const r = applyDriverPackage([device('e1000'), device('virtio-blk-pci')], catalog, 'LAB00020');
    expect(r.failure).to.equal(undefined);
    expect(r.staged.map((d) => d.id)).to.deep.equal(['stor.inf']);
    expect(r.notApplicable.map((n) => [n.driver.id, n.reason])).to.deep.equal([['x86only.inf', 'no models section fits x64']]);
    expect(r.devices.map((x) => x.installed?.driver.id)).to.deep.equal(['inbox:e1000 (Intel PRO/1000 inbox)', 'stor.inf']);
    const onX86 = applyDriverPackage([device('virtio-net-pci')], catalog, 'LAB00020', { target: { ...DEFAULT_TARGET_OS, architecture: 'x86' } });
    expect(onX86.devices[0].installed?.driver.id).to.equal('x86only.inf');
  });

  it('fails the step when the package content is on no distribution point', () => {
    const r = applyDriverPackage([device('virtio-blk-pci')], catalog, 'LAB00021');
    expect(r.failure).to.equal('content of driver package LAB00021 is not on any distribution point');
    expect(r.staged).to.be.empty;
  });

  it('raises an InputError for a package the catalog does not have', () => {
    expect(() => applyDriverPackage([], catalog, 'NOPE0001')).to.throw(InputError, /driver package NOPE0001 is not in the catalog \(known: LAB00020, LAB00021\)/);
  });
});

describe('boot image drivers and guest kernel modules', () => {
  it('admits only enabled mass storage and network drivers built for the boot image architecture', async () => {
    const d = await labDrivers();
    const display = catalogDriver(
      infText('[Version]\nSignature="$Windows NT$"\nClass=Display\nClassGUID={4d36e968-e325-11ce-bfc1-08002be10318}\nDriverVer=01/01/2020\n[Manufacturer]\nM=M,NTamd64\n[M.NTamd64]\nD=I,PCI\\VEN_1234&DEV_1111\n'),
      'display.inf',
    );
    const disabled = { ...d.viostor, id: 'disabled-viostor', enabled: false };
    const { accepted, rejected } = bootImageDrivers([d.netkvm, d.viostor, display, disabled], DEFAULT_TARGET_OS);
    expect(accepted.map((x) => x.id.split('/').pop())).to.deep.equal(['netkvm.inf', 'viostor.inf']);
    expect(rejected.map((r) => [r.driver.id, r.reason])).to.deep.equal([
      ['display.inf', 'class Display is neither mass storage nor network'],
      ['disabled-viostor', 'disabled in the catalog'],
    ]);
  });

  it('loads a Linux module only for devices a driver in the boot image (or inbox) claims', async () => {
    const d = await labDrivers();
    const load = (drivers: CatalogDriver[]) => guestKernelModules(drivers).filter((m) => m.load).map((m) => `${m.device.qemuDevice}:${m.linuxModule}`);
    expect(load([])).to.deep.equal(['e1000:e1000', 'ich9-ahci:ahci', 'nvme:nvme']);
    expect(load([d.netkvm, d.viostor])).to.deep.equal([
      'virtio-net-pci:virtio_net',
      'virtio-net-pci,disable-legacy=on:virtio_net',
      'e1000:e1000',
      'virtio-blk-pci:virtio_blk',
      'ich9-ahci:ahci',
      'nvme:nvme',
    ]);
    const modernBlk = guestKernelModules([d.viostor]).find((m) => m.device.qemuDevice === 'virtio-blk-pci,disable-legacy=on')!;
    expect(modernBlk.reason).to.equal('no driver in the image claims PCI 1AF4:1042 (virtio-blk-pci,disable-legacy=on): the guest has no storage device there');
  });
});

describe('driver step decision from the machine contract request', () => {
  const exact = catalogDriver(nicInf('exact', '%Desc%=Install,PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00'), 'exact.inf', { categories: ['Lab'] });
  const blk = catalogDriver(nicInf('blk', '%Desc%=Install,PCI\\VEN_1AF4&DEV_1001'), 'blk.inf');
  const catalog: DriverCatalog = { drivers: [exact, blk], packages: [{ packageId: 'LAB00030', name: 'All', driverIds: ['exact.inf', 'blk.inf'], distributionPoints: ['DP01'] }] };
  const devices = [device('virtio-net-pci'), device('virtio-blk-pci')];

  it('runs Auto Apply Drivers with the request options and lists each staged driver once', () => {
    const all = decideDriverStep({ mode: 'auto', bestMatch: true, allowUnsigned: false }, devices, catalog);
    expect(all.staged.map((d) => d.id)).to.deep.equal(['exact.inf', 'blk.inf']);
    const lab = decideDriverStep({ mode: 'auto', bestMatch: true, allowUnsigned: false, categories: ['Lab'] }, devices, catalog);
    expect(lab.staged.map((d) => d.id)).to.deep.equal(['exact.inf']);
    expect(lab.devices[1].installed).to.equal(undefined);
  });

  it('runs Apply Driver Package, and needs its package ID', () => {
    expect(decideDriverStep({ mode: 'package', packageId: 'LAB00030', bestMatch: false, allowUnsigned: false }, devices, catalog).staged).to.have.length(2);
    expect(() => decideDriverStep({ mode: 'package', bestMatch: false, allowUnsigned: false }, devices, catalog)).to.throw(InputError, /needs the driver package ID/);
  });
});
