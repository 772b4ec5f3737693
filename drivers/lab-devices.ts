// Driver ↔ device reality in the QEMU lab: each QEMU device the lab offers, the PCI IDs the guest
// sees (ts-formats §e), the Windows driver that claims them and the Linux module that drives the
// same device in the boot-image stand-in. The boot-image builder loads a module only when a
// Windows driver in the boot image (or inbox) claims the device, so a boot image lacking NetKVM
// really has no network, and one lacking viostor really sees no disk.
import type { PciDevice } from '../harness/index.js';
import type { CatalogDriver } from './catalog.js';
import { DEFAULT_TARGET_OS, type TargetOs } from './inf/decoration.js';
import { INBOX_DRIVERS } from './inbox.js';
import { pciDeviceIdentity } from './pnp/device-ids.js';
import { rankDrivers, formatRank, type Candidate } from './pnp/rank.js';

export interface LabDevice {
  /** QEMU -device name and options. */
  qemuDevice: string;
  role: 'network' | 'storage';
  pci: Omit<PciDevice, 'driverLoaded'>;
  /** The Windows driver a Windows engineer expects for it. */
  windowsDriver: string;
  /** The Linux kernel module that drives the same device in the guest. */
  linuxModule: string;
}

const pci = (vendorId: string, deviceId: string, subsystemVendorId: string, subsystemId: string, revision: string, classCode: string) => ({
  vendorId,
  deviceId,
  subsystemVendorId,
  subsystemId,
  revision,
  classCode,
});

export const LAB_DEVICES: readonly LabDevice[] = [
  { qemuDevice: 'virtio-net-pci', role: 'network', pci: pci('1AF4', '1000', '1AF4', '0001', '00', '020000'), windowsDriver: 'netkvm.inf (virtio-win NetKVM)', linuxModule: 'virtio_net' },
  { qemuDevice: 'virtio-net-pci,disable-legacy=on', role: 'network', pci: pci('1AF4', '1041', '1AF4', '1100', '01', '020000'), windowsDriver: 'netkvm.inf (virtio-win NetKVM)', linuxModule: 'virtio_net' },
  { qemuDevice: 'e1000', role: 'network', pci: pci('8086', '100E', '1AF4', '1100', '03', '020000'), windowsDriver: 'Intel PRO/1000 (inbox)', linuxModule: 'e1000' },
  { qemuDevice: 'virtio-blk-pci', role: 'storage', pci: pci('1AF4', '1001', '1AF4', '0002', '00', '010000'), windowsDriver: 'viostor.inf (virtio-win)', linuxModule: 'virtio_blk' },
  { qemuDevice: 'virtio-blk-pci,disable-legacy=on', role: 'storage', pci: pci('1AF4', '1042', '1AF4', '1100', '01', '010000'), windowsDriver: 'viostor.inf (virtio-win)', linuxModule: 'virtio_blk' },
  { qemuDevice: 'ich9-ahci', role: 'storage', pci: pci('8086', '2922', '1AF4', '1100', '02', '010601'), windowsDriver: 'storahci.inf (inbox)', linuxModule: 'ahci' },
  { qemuDevice: 'nvme', role: 'storage', pci: pci('1B36', '0010', '1AF4', '1100', '02', '010802'), windowsDriver: 'stornvme.inf (inbox)', linuxModule: 'nvme' },
];

export interface GuestModule {
  device: LabDevice;
  linuxModule: string;
  /** Whether the guest gets the module, i.e. whether a Windows driver would drive the device. */
  load: boolean;
  driver?: Candidate<CatalogDriver>;
  reason: string;
}

/** The driver a Windows PE (or Windows) with `drivers` binds to a device: the best of them and the inbox ones; undefined: none. */
export function winpeDriverFor(
  device: Omit<PciDevice, 'driverLoaded'>,
  drivers: readonly CatalogDriver[],
  target: TargetOs = DEFAULT_TARGET_OS,
  inbox: readonly CatalogDriver[] = INBOX_DRIVERS,
): Candidate<CatalogDriver> | undefined {
  return rankDrivers(pciDeviceIdentity({ ...device, driverLoaded: false }), [...drivers, ...inbox], target).candidates[0];
}

/** For each lab device: load its Linux module only if one of `drivers` (or an inbox driver) claims it. */
export function guestKernelModules(drivers: readonly CatalogDriver[], target: TargetOs = DEFAULT_TARGET_OS, inbox: readonly CatalogDriver[] = INBOX_DRIVERS): GuestModule[] {
  return LAB_DEVICES.map((device) => {
    const name = pciDeviceIdentity({ ...device.pci, driverLoaded: false }).name;
    const best = winpeDriverFor(device.pci, drivers, target, inbox);
    return best
      ? { device, linuxModule: device.linuxModule, load: true, driver: best, reason: `${best.driver.inf.file} claims ${name} (rank ${formatRank(best.rank)})` }
      : { device, linuxModule: device.linuxModule, load: false, reason: `no driver in the image claims ${name} (${device.qemuDevice}): the guest has no ${device.role} device there` };
  });
}
