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
