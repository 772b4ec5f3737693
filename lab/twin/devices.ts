// NIC and disk-controller models with the PCI IDs QEMU really presents, so driver matching
// (drivers/) sees the same hardware IDs in the twin as in the QEMU lab.

import type { PciDevice } from '../../harness/index.js';

export type NicModel = 'e1000' | 'virtio-net' | 'virtio-net-modern';
export type StorageControllerModel = 'ahci' | 'virtio-blk' | 'nvme';

type PciIds = Omit<PciDevice, 'driverLoaded'>;

export const NIC_PCI: Record<NicModel, PciIds> = {
  e1000: { vendorId: '8086', deviceId: '100E', subsystemVendorId: '1AF4', subsystemId: '1100', revision: '03', classCode: '020000' },
  'virtio-net': { vendorId: '1AF4', deviceId: '1000', subsystemVendorId: '1AF4', subsystemId: '0001', revision: '00', classCode: '020000' },
  'virtio-net-modern': { vendorId: '1AF4', deviceId: '1041', subsystemVendorId: '1AF4', subsystemId: '1100', revision: '01', classCode: '020000' },
};

export const STORAGE_PCI: Record<StorageControllerModel, PciIds> = {
  ahci: { vendorId: '8086', deviceId: '2922', subsystemVendorId: '1AF4', subsystemId: '1100', revision: '02', classCode: '010601' },
  'virtio-blk': { vendorId: '1AF4', deviceId: '1001', subsystemVendorId: '1AF4', subsystemId: '0002', revision: '00', classCode: '010000' },
  nvme: { vendorId: '1B36', deviceId: '0010', subsystemVendorId: '1AF4', subsystemId: '1100', revision: '02', classCode: '010802' },
};

/** PnP hardware ID as an INF names it: PCI\VEN_8086&DEV_100E&SUBSYS_11001AF4&REV_03. */
export function hardwareId(ids: PciIds): string {
  return `PCI\\VEN_${ids.vendorId}&DEV_${ids.deviceId}&SUBSYS_${ids.subsystemId}${ids.subsystemVendorId}&REV_${ids.revision}`;
}
