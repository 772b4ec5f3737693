// Issue 8 acceptance 1: driver matching with PCI IDs read from a running guest, not typed in. The
// boot image starts on a machine with QEMU's virtio-net (legacy 1AF4:1000 and modern 1AF4:1041),
// virtio-blk and e1000 (8086:100E); the agent reads vendor/device/subsystem/revision/class from
// sysfs; the matcher must pick the INF and models line a Windows engineer expects, in PnP's order.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import type { PciDevice } from '../../../../harness/index.js';
import { DEFAULT_TARGET_OS, formatRank, importDrivers, INBOX_DRIVERS, LAB_DEVICES, pciDeviceIdentity, rankDrivers, whyAhead } from '../../../../drivers/index.js';
import { defineQemuMatchSuite } from '../../../../drivers/test/qemu-matches.js';
import { infText, LAB, VIRTIO } from '../../../../drivers/test/helpers.js';
import { withLabRun } from '../../lab-run.js';
import { launchMachine } from '../../machine-process.js';
import { timeoutScale } from '../../machine-command.js';
import { directBootSpec, qemuUnavailable, testBootImage } from '../../test/helpers.js';

const HELLO_MS = 12_000 * timeoutScale('tcg');

/** A vendor-neutral INF that claims the virtio devices by VEN&DEV only: it must rank below virtio-win's. */
const GENERIC_VIRTIO = infText(
  '[Manufacturer]\n%Mfg%=Models,NTamd64\n[Models.NTamd64]\n%Net%=Install,PCI\\VEN_1AF4&DEV_1000\n%Net%=Install,PCI\\VEN_1AF4&DEV_1041\n%Blk%=Install,PCI\\VEN_1AF4&DEV_1001\n' +
    '[Install]\n[Strings]\nMfg="Generic"\nNet="Generic virtio NIC"\nBlk="Generic virtio disk"\n',
  '01/01/2024,1.0.0.0',
);

/** The guest's PCI devices as the machine contract reports them. */
async function guestPciDevices(): Promise<PciDevice[]> {
  const image = await testBootImage(['virtio-net', 'e1000', 'virtio-blk', 'ahci']);
  return withLabRun(`drivers-${process.pid}`, async (run) => {
    const disk = join(run.tempDir, 'disk0.qcow2');
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);
    const none = { kind: 'none' as const };
    const machine = await launchMachine({
      spec: directBootSpec(image, {
        nics: [
          { model: 'virtio-net', mac: '52:54:00:4d:00:01', backend: none },
          { model: 'virtio-net-modern', mac: '52:54:00:4d:00:02', backend: none },
          { model: 'e1000', mac: '52:54:00:4d:00:03', backend: none },
        ],
        disks: [{ controller: 'virtio-blk', path: disk, format: 'qcow2' }],
      }),
      accel: 'tcg',
      outputDir: join(run.tempDir, 'out'),
      stateDir: join(run.tempDir, 'pc1'),
      cleanup: run.cleanup,
      signal: run.signal,
    });
    const agent = await machine.agent({ helloTimeoutMs: HELLO_MS, signal: run.signal });
    const facts = await agent.facts({ timeoutMs: 30_000 * timeoutScale('tcg'), signal: run.signal });
    await agent.poweroff({ timeoutMs: 30_000, signal: run.signal }).catch(() => undefined);
    return facts.pci.map((d) => ({
      vendorId: d.vendor.toUpperCase(),
      deviceId: d.device.toUpperCase(),
      subsystemVendorId: d.subsystemVendor.toUpperCase(),
      subsystemId: d.subsystem.toUpperCase(),
      revision: d.revision.toUpperCase(),
      classCode: d.class.toUpperCase(),
      driverLoaded: d.driver !== null,
    }));
  });
}

describe('driver matching with the PCI IDs a running guest reports @qemu @slow', function () {
  this.timeout(300_000);
  let devices: PciDevice[] = [];
  let generic: string;

  before(async function () {
    const why = await qemuUnavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    devices = await guestPciDevices();
    generic = await mkdtemp(join(tmpdir(), 'osdlab-generic-virtio-'));
    await writeFile(join(generic, 'genvirtio.inf'), GENERIC_VIRTIO);
  });
  after(() => generic && rm(generic, { recursive: true, force: true }));

  const byIds = (vendor: string, device: string) => devices.find((d) => d.vendorId === vendor && d.deviceId === device);

  it('the guest has the four devices with the subsystem IDs and revisions of the lab\'s device table, each bound to its Linux driver', () => {
    for (const qemuDevice of ['virtio-net-pci', 'virtio-net-pci,disable-legacy=on', 'e1000', 'virtio-blk-pci']) {
      const want = LAB_DEVICES.find((d) => d.qemuDevice === qemuDevice)!.pci;
      const got = byIds(want.vendorId, want.deviceId);
      expect(got, `${qemuDevice} in ${JSON.stringify(devices)}`).to.exist;
      expect(got).to.deep.equal({ ...want, driverLoaded: true });
    }
  });

  it('ranks every matching driver in PnP\'s order: most specific ID first, then signature, then DriverVer date', async () => {
    const imported = await importDrivers([VIRTIO, LAB, generic]);
    // Signed, as the released packages are (the fixtures come without their .cat files).
    const catalog = [...imported.map((d) => ({ ...d, signed: true })), ...INBOX_DRIVERS];
    const order = (vendor: string, device: string) => {
      const { candidates } = rankDrivers(pciDeviceIdentity(byIds(vendor, device)!), catalog, DEFAULT_TARGET_OS);
      return candidates.map((c) => `${c.driver.inbox ? c.driver.inf.file : basename(c.driver.inf.file)} ${c.section.section}:${c.model.line} ${formatRank(c.rank)}`);
    };
    // virtio-net: netkvm names the SUBSYS_00011AF4&REV_00 the guest reports (hardware ID #0); the generic INF only VEN&DEV (compatible ID #1).
    expect(order('1AF4', '1000')).to.deep.equal(['netkvm.inf RedHat.NT$ARCH$:24 0x00FF0000', 'genvirtio.inf Models.NTamd64:10 0x00FF2001']);
    expect(order('1AF4', '1041')).to.deep.equal(['netkvm.inf RedHat.NT$ARCH$:25 0x00FF0000', 'genvirtio.inf Models.NTamd64:11 0x00FF2001']);
    // virtio-blk: viostor lists SUBSYS_00021AF4 without REV, the device's hardware ID #1.
    expect(order('1AF4', '1001')).to.deep.equal(['viostor.inf RHEL.NTamd64:47 0x00FF0001', 'genvirtio.inf Models.NTamd64:12 0x00FF2001']);
    // e1000: equal ranks through DEV_100E; the vendor INF's newer DriverVer beats the inbox driver's 2006 date.
    expect(order('8086', '100E')).to.deep.equal(['pro1000-lab.inf Intel.NTamd64.10.0...17763:25 0x00FF2001', 'inbox:e1000 (Intel PRO/1000 inbox) Inbox.NTamd64:0 0x00FF2001']);
    const e1000 = rankDrivers(pciDeviceIdentity(byIds('8086', '100E')!), catalog, DEFAULT_TARGET_OS).candidates;
    expect(whyAhead(e1000[0]!, e1000[1]!)).to.match(/newer DriverVer date/);
  });

  defineQemuMatchSuite('the matcher on the guest\'s devices', () => devices);
});
