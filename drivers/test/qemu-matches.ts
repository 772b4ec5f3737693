// What a Windows engineer expects PnP to pick for QEMU's devices, as a reusable suite: today it
// runs on the PciDevice shapes in LAB_DEVICES; a guest-facts test can call it with the devices a
// running guest reports (MachineFacts.pciDevices).
import { expect } from 'chai';
import type { PciDevice } from '../../harness/index.js';
import { DEFAULT_TARGET_OS, INBOX_DRIVERS, importDrivers, pciDeviceIdentity, rankDrivers, type CatalogDriver, type TargetOs } from '../index.js';
import { LAB, VIRTIO } from './helpers.js';

interface Expected {
  inf: string;
  /** Models section per target architecture. */
  section: Record<TargetOs['architecture'], string>;
  line: Record<TargetOs['architecture'], number>;
  identifierScore: number;
}

/** Keyed by VEN:DEV. */
const EXPECTED: Record<string, Expected> = {
  // Legacy virtio-net: its most specific hardware ID is on netkvm's first models line.
  '1AF4:1000': { inf: 'netkvm.inf', section: { x64: 'RedHat.NT$ARCH$', x86: 'RedHat.NT$ARCH$' }, line: { x64: 24, x86: 24 }, identifierScore: 0x0000 },
  '1AF4:1041': { inf: 'netkvm.inf', section: { x64: 'RedHat.NT$ARCH$', x86: 'RedHat.NT$ARCH$' }, line: { x64: 25, x86: 25 }, identifierScore: 0x0000 },
  // virtio-blk: viostor lists SUBSYS_00021AF4 without REV, the device's 2nd hardware ID.
  '1AF4:1001': { inf: 'viostor.inf', section: { x64: 'RHEL.NTamd64', x86: 'RHEL.NTx86' }, line: { x64: 47, x86: 42 }, identifierScore: 0x0001 },
  // e1000: no INF knows QEMU's SUBSYS_11001AF4, so the bare DEV_100E line wins through the
  // device's 2nd compatible ID (Windows 10 moved DEV to the compatible list); the vendor driver
  // beats the inbox one of equal rank on its newer DriverVer date.
  '8086:100E': {
    inf: 'pro1000-lab.inf',
    section: { x64: 'Intel.NTamd64.10.0...17763', x86: 'Intel.NTx86.10.0' },
    line: { x64: 25, x86: 17 },
    identifierScore: 0x2001,
  },
  '8086:2922': { inf: 'inbox:storahci.inf', section: { x64: 'Inbox.NTamd64', x86: 'Inbox.NTx86' }, line: { x64: 0, x86: 0 }, identifierScore: 0x2005 },
  '1B36:0010': { inf: 'inbox:stornvme.inf', section: { x64: 'Inbox.NTamd64', x86: 'Inbox.NTx86' }, line: { x64: 0, x86: 0 }, identifierScore: 0x2005 },
};

async function labCatalog(): Promise<CatalogDriver[]> {
  // Signed, as the released virtio-win and Intel packages are; the fixtures come without their .cat files.
  const imported = await importDrivers([VIRTIO, LAB]);
  return [...imported.map((d) => ({ ...d, signed: true })), ...INBOX_DRIVERS];
}

export function defineQemuMatchSuite(title: string, devices: () => PciDevice[] | Promise<PciDevice[]>): void {
  describe(title, () => {
    for (const architecture of ['x64', 'x86'] as const) {
      it(`picks the driver a Windows engineer expects for each QEMU device (${architecture})`, async () => {
        const catalog = await labCatalog();
        const known = (await devices()).filter((d) => EXPECTED[`${d.vendorId}:${d.deviceId}`.toUpperCase()]);
        expect(known, 'devices with an expectation').not.to.be.empty;
        for (const d of known) {
          const key = `${d.vendorId}:${d.deviceId}`.toUpperCase();
          const want = EXPECTED[key];
          const { candidates } = rankDrivers(pciDeviceIdentity(d), catalog, { ...DEFAULT_TARGET_OS, architecture });
          const best = candidates[0];
          expect(best, `${key}: some driver matches`).to.exist;
          expect(best.driver.inf.file.endsWith(want.inf), `${key}: ${best.reason}`).to.equal(true);
          expect(best.section.section, key).to.equal(want.section[architecture]);
          expect(best.model.line, key).to.equal(want.line[architecture]);
          expect(best.identifierScore, key).to.equal(want.identifierScore);
          expect(best.rank, key).to.equal(0x00ff0000 + want.identifierScore);
        }
      });
    }
  });
}
