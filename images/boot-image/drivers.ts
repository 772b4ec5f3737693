// A boot image's driver list, in the device names the lab's machines use (NIC models and disk
// controllers), mapped to the kernel modules that drive them. Only listed drivers go into the image.

export const BOOT_IMAGE_DRIVERS: Record<string, readonly string[]> = {
  e1000: ['e1000'],
  e1000e: ['e1000e'],
  'virtio-net': ['virtio_net'],
  rtl8139: ['8139cp', '8139too'],
  vmxnet3: ['vmxnet3'],
  ahci: ['ahci', 'sd_mod', 'sr_mod'],
  'virtio-blk': ['virtio_blk'],
  nvme: ['nvme'],
  'usb-storage': ['xhci_pci', 'usb_storage', 'sd_mod'],
};

/**
 * In every boot image whatever its driver list: the agent's channel (virtio-serial over virtio-pci),
 * and what the actions' tools need (FUSE for ntfs-3g, FAT with its code page 437 and its default I/O charset ascii, ISO 9660).
 */
export const ALWAYS_INCLUDED_MODULES: readonly string[] = [
  'virtio_pci',
  'virtio_console',
  'fuse',
  'vfat',
  'nls_cp437',
  'nls_iso8859_1',
  'nls_utf8',
  'nls_ascii',
  'isofs',
];

/**
 * The driver-list names whose modules include these Linux modules (drivers/ LAB_DEVICES names the
 * module per device), plus USB mass storage, which Windows PE has in the box: what a boot image
 * with exactly a scenario's driver list is built from.
 */
export function bootImageDriversForModules(linuxModules: readonly string[]): string[] {
  const names = linuxModules.map((module) => {
    const name = Object.keys(BOOT_IMAGE_DRIVERS).find((key) => BOOT_IMAGE_DRIVERS[key]!.includes(module));
    if (!name) throw new Error(`no boot-image driver carries the kernel module ${module}; add it to BOOT_IMAGE_DRIVERS`);
    return name;
  });
  return [...new Set([...names, 'usb-storage'])];
}
