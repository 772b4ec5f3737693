import { expect } from 'chai';
import {
  DEFAULT_TARGET_OS,
  INBOX_DRIVERS,
  LAB_DEVICES,
  deviceIdentity,
  formatRank,
  importDrivers,
  pciDeviceIdentity,
  rankDrivers,
  whyAhead,
  type TargetOs,
} from '../index.js';
import type { PciDevice } from '../../harness/index.js';
import { catalogDriver, infText, LAB, nicInf } from './helpers.js';
import { defineQemuMatchSuite } from './qemu-matches.js';

const pci = (qemuDevice: string): PciDevice => ({ ...LAB_DEVICES.find((d) => d.qemuDevice === qemuDevice)!.pci, driverLoaded: false });
const x86: TargetOs = { ...DEFAULT_TARGET_OS, architecture: 'x86' };

defineQemuMatchSuite('QEMU devices (PciDevice shapes from LAB_DEVICES)', () => LAB_DEVICES.map((d) => ({ ...d.pci, driverLoaded: false })));

describe('PCI device identifiers', () => {
  it('lists hardware and compatible IDs as Windows 10 reports them, SUBSYS as subsystem then vendor', () => {
    const id = pciDeviceIdentity(pci('virtio-net-pci'));
    expect(id.hardwareIds).to.deep.equal([
      'PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00',
      'PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4',
      'PCI\\VEN_1AF4&DEV_1000&CC_020000',
      'PCI\\VEN_1AF4&DEV_1000&CC_0200',
    ]);
    expect(id.compatibleIds).to.deep.equal([
      'PCI\\VEN_1AF4&DEV_1000&REV_00',
      'PCI\\VEN_1AF4&DEV_1000',
      'PCI\\VEN_1AF4&CC_020000',
      'PCI\\VEN_1AF4&CC_0200',
      'PCI\\VEN_1AF4',
      'PCI\\CC_020000',
      'PCI\\CC_0200',
    ]);
  });

  it('keeps the four DEV forms as hardware IDs in the legacy (pre-Windows 10) scheme', () => {
    const id = pciDeviceIdentity(pci('e1000'), 'legacy');
    expect(id.hardwareIds.slice(0, 4)).to.deep.equal([
      'PCI\\VEN_8086&DEV_100E&SUBSYS_11001AF4&REV_03',
      'PCI\\VEN_8086&DEV_100E&SUBSYS_11001AF4',
      'PCI\\VEN_8086&DEV_100E&REV_03',
      'PCI\\VEN_8086&DEV_100E',
    ]);
    expect(id.compatibleIds[0]).to.equal('PCI\\VEN_8086&CC_020000');
  });
});

describe('PnP ranking', () => {
  const virtioNet = pciDeviceIdentity(pci('virtio-net-pci'));
  // One INF per kind of match, so the order is decided by the identifier score alone.
  const drivers = [
    catalogDriver(nicInf('class.inf', '%Desc%=Install,PCI\\CC_0200'), 'class.inf'),
    catalogDriver(nicInf('dev.inf', '%Desc%=Install,PCI\\VEN_1AF4&DEV_1000'), 'dev.inf'),
    catalogDriver(nicInf('inf-compat.inf', '%Desc%=Install,PCI\\VEN_FFFF&DEV_0000,PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4'), 'inf-compat.inf'),
    catalogDriver(nicInf('compat-compat.inf', '%Desc%=Install,PCI\\VEN_FFFF&DEV_0000,PCI\\VEN_EEEE,PCI\\VEN_1AF4'), 'compat-compat.inf'),
    catalogDriver(nicInf('exact.inf', '%Desc%=Install,PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00'), 'exact.inf'),
    catalogDriver(nicInf('other.inf', '%Desc%=Install,PCI\\VEN_8086&DEV_100E'), 'other.inf'),
  ];

  it('orders hardware-ID, INF-compatible, device-compatible and compatible-compatible matches as the identifier score says', () => {
    const { candidates } = rankDrivers(virtioNet, drivers, DEFAULT_TARGET_OS);
    expect(candidates.map((c) => [c.driver.id, formatRank(c.rank)])).to.deep.equal([
      ['exact.inf', '0x00FF0000'],
      ['inf-compat.inf', '0x00FF1001'],
      ['dev.inf', '0x00FF2001'],
      ['class.inf', '0x00FF2006'],
      ['compat-compat.inf', '0x00FF3104'],
    ]);
    expect(candidates[0].reason).to.contain('device hardware ID #1 PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00 = INF hardware ID');
    expect(candidates[4].reason).to.contain('INF compatible ID #2');
    expect(whyAhead(candidates[0], candidates[1])).to.match(/lower rank than inf-compat.inf \(0x00FF0000 < 0x00FF1001\)/);
  });

  it('puts any signed match ahead of an unsigned one (DRIVER_UNTRUSTED_RANK), then FeatureScore', () => {
    const unsignedExact = catalogDriver(nicInf('u.inf', '%Desc%=Install,PCI\\VEN_1AF4&DEV_1000&SUBSYS_00011AF4&REV_00'), 'unsigned.inf', { signed: false });
    const featured = catalogDriver(nicInf('f.inf', '%Desc%=Install,PCI\\VEN_1AF4&DEV_1000', { featureScore: '0x10' }), 'featured.inf');
    const plain = catalogDriver(nicInf('p.inf', '%Desc%=Install,PCI\\VEN_1AF4&DEV_1000'), 'plain.inf');
    const { candidates } = rankDrivers(virtioNet, [unsignedExact, plain, featured], DEFAULT_TARGET_OS);
    expect(candidates.map((c) => [c.driver.id, formatRank(c.rank)])).to.deep.equal([
      ['featured.inf', '0x00102001'],
      ['plain.inf', '0x00FF2001'],
      ['unsigned.inf', '0x80FF0000'],
    ]);
  });

  it('breaks equal ranks by the newer DriverVer date, then the higher version', () => {
    const line = '%Desc%=Install,PCI\\VEN_1AF4&DEV_1000';
    const older = catalogDriver(nicInf('a.inf', line, { driverVer: '03/15/2013,9.0.0.0' }), 'older.inf');
    const newer = catalogDriver(nicInf('b.inf', line, { driverVer: '10/01/2020,1.0.0.0' }), 'newer.inf');
    const newerHigher = catalogDriver(nicInf('c.inf', line, { driverVer: '10/01/2020,1.0.10.0' }), 'newer-higher.inf');
    const { candidates } = rankDrivers(virtioNet, [older, newer, newerHigher], DEFAULT_TARGET_OS);
    expect(candidates.map((c) => c.driver.id)).to.deep.equal(['newer-higher.inf', 'newer.inf', 'older.inf']);
    expect(whyAhead(candidates[0], candidates[1])).to.contain('higher DriverVer version (1.0.10.0 > 1.0.0.0)');
    expect(whyAhead(candidates[1], candidates[2])).to.contain('newer DriverVer date (2020-10-01 > 2013-03-15)');
  });

  it('uses the closest fitting OS-versioned decoration', async () => {
    const [pro1000] = await importDrivers([`${LAB}pro1000-lab.inf`]);
    const e1000 = pciDeviceIdentity(pci('e1000'));
    const on1803 = rankDrivers(e1000, [pro1000], { ...DEFAULT_TARGET_OS, build: 17134 }).candidates[0];
    expect([on1803.section.section, on1803.model.line]).to.deep.equal(['Intel.NTamd64.10.0', 20]);
    const on2004 = rankDrivers(e1000, [pro1000], DEFAULT_TARGET_OS).candidates[0];
    expect([on2004.section.section, on2004.model.line]).to.deep.equal(['Intel.NTamd64.10.0...17763', 25]);
    const onWin81 = rankDrivers(e1000, [pro1000], { ...DEFAULT_TARGET_OS, major: 6, minor: 3, build: 9600 });
    expect(onWin81.candidates).to.be.empty;
    expect(onWin81.misfits[0].reason).to.match(/^claims the device in \[Intel.NTamd64.10.0\] line 20, but decoration NTamd64.10.0 needs Windows 10.0.0 or later \(target 6.3.9600\)/);
  });

  it('ignores the undecorated models section on x64 and says so; uses it on x86', () => {
    const undecorated = catalogDriver(infText('[Manufacturer]\n%Mfg%=Models\n[Models]\n%Desc%=Install,PCI\\VEN_1AF4&DEV_1000\n[Strings]\nMfg=M\nDesc=D\n'), 'old.inf');
    const onX64 = rankDrivers(virtioNet, [undecorated], DEFAULT_TARGET_OS);
    expect(onX64.candidates).to.be.empty;
    expect(onX64.misfits[0].reason).to.equal('claims the device in [Models] line 10, but it is undecorated, which amd64 Windows ignores');
    expect(rankDrivers(virtioNet, [undecorated], x86).candidates).to.have.length(1);
  });

  it('does not use an x86-only INF for an x64 target', () => {
    const x86Only = catalogDriver(infText('[Manufacturer]\n%Mfg%=Models,NTx86\n[Models.NTx86]\n%Desc%=Install,PCI\\VEN_1AF4&DEV_1000\n[Strings]\nMfg=M\nDesc=D\n'), 'x86only.inf');
    const r = rankDrivers(virtioNet, [x86Only], DEFAULT_TARGET_OS);
    expect(r.candidates).to.be.empty;
    expect(r.misfits[0].reason).to.contain('decoration NTx86 is for x86, the target is amd64');
  });

  it('ranks the e1000 bare DEV_100E match at 0x2001 on Windows 10 and 0x0003 with the legacy ID lists', async () => {
    const [pro1000] = await importDrivers([`${LAB}pro1000-lab.inf`]);
    const signed = { ...pro1000, signed: true };
    expect(rankDrivers(pciDeviceIdentity(pci('e1000')), [signed], DEFAULT_TARGET_OS).candidates[0].identifierScore).to.equal(0x2001);
    expect(rankDrivers(pciDeviceIdentity(pci('e1000'), 'legacy'), [signed], DEFAULT_TARGET_OS).candidates[0].identifierScore).to.equal(0x0003);
  });

  it('lets the inbox e1000 driver win when the vendor driver is unsigned', async () => {
    const [pro1000] = await importDrivers([`${LAB}pro1000-lab.inf`]);
    expect(pro1000.signed).to.equal(false);
    const { candidates } = rankDrivers(pciDeviceIdentity(pci('e1000')), [pro1000, ...INBOX_DRIVERS], DEFAULT_TARGET_OS);
    expect(candidates.map((c) => formatRank(c.rank))).to.deep.equal(['0x00FF2001', '0x80FF2001']);
    expect(candidates[0].driver.inbox).to.equal(true);
  });

  it('matches IDs given as strings case-insensitively', () => {
    const device = deviceIdentity(['pci\\ven_1af4&dev_1000&subsys_00011af4&rev_00']);
    expect(rankDrivers(device, drivers, DEFAULT_TARGET_OS).candidates.map((c) => c.driver.id)).to.deep.equal(['exact.inf']);
  });
});
