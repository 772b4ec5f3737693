// The identifiers pci.sys reports for a PCI function (learn.microsoft.com "Identifiers for PCI
// devices"), most specific first. SUBSYS is the subsystem ID then the subsystem vendor ID:
// QEMU's virtio-net has subsystem 0001 from vendor 1AF4, reported as SUBSYS_00011AF4.
import type { PciDevice } from '../../harness/index.js';

/** A device as PnP sees it: ordered hardware IDs, then ordered compatible IDs. */
export interface DeviceIdentity {
  /** What the user or a report calls it ("PCI 1AF4:1000"). */
  name: string;
  hardwareIds: string[];
  compatibleIds: string[];
  /** Base class, subclass, interface of the PCI device, when known ("020000"). */
  classCode?: string;
}

/**
 * "windows10": Windows 10 and later (WinPE 10+) move DEV&REV and DEV to the compatible list
 * ("some IDs that previously appeared in the Hardware ID list now appear in the Compatible ID list").
 * "legacy": Windows Vista to 8.1, with all four DEV forms as hardware IDs.
 */
export type PciIdScheme = 'windows10' | 'legacy';

export function pciDeviceIdentity(d: PciDevice, scheme: PciIdScheme = 'windows10'): DeviceIdentity {
  const ven = `PCI\\VEN_${d.vendorId.toUpperCase()}`;
  const dev = `${ven}&DEV_${d.deviceId.toUpperCase()}`;
  const subsys = `${dev}&SUBSYS_${d.subsystemId.toUpperCase()}${d.subsystemVendorId.toUpperCase()}`;
  const rev = `&REV_${d.revision.toUpperCase()}`;
  const cc = d.classCode.toUpperCase();
  const cc4 = cc.slice(0, 4);
  const byClass = [`${dev}&CC_${cc}`, `${dev}&CC_${cc4}`];
  const generic = [`${ven}&CC_${cc}`, `${ven}&CC_${cc4}`, ven, `PCI\\CC_${cc}`, `PCI\\CC_${cc4}`];
  const name = `PCI ${d.vendorId.toUpperCase()}:${d.deviceId.toUpperCase()}`;
  return scheme === 'windows10'
    ? { name, classCode: cc, hardwareIds: [subsys + rev, subsys, ...byClass], compatibleIds: [dev + rev, dev, ...generic] }
    : { name, classCode: cc, hardwareIds: [subsys + rev, subsys, dev + rev, dev, ...byClass], compatibleIds: generic };
}

/** A device given by its ID strings (the CLI's --device/--compatible); IDs compare upper case. */
export function deviceIdentity(hardwareIds: string[], compatibleIds: string[] = []): DeviceIdentity {
  const up = (ids: string[]) => ids.map((id) => id.trim().toUpperCase()).filter((id) => id !== '');
  const hw = up(hardwareIds);
  return { name: hw[0] ?? up(compatibleIds)[0] ?? '(no IDs)', hardwareIds: hw, compatibleIds: up(compatibleIds) };
}
