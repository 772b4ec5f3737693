// Real on-disk partition tables of the lab's disk images: the reader (MBR, GPT, LDM dynamic disks,
// FAT32/NTFS labels), the Windows LDM dynamic disk writer and Convert Disk to Dynamic in place.
export { isDynamicDiskImage, readDiskImage, readDiskImageLayout, readDiskLayout, type DiskLayout, type DiskPartition, type ReadDiskOptions } from './read-disk.js';
export {
  layoutDynamicDisk,
  writeDynamicDisk,
  type DynamicDiskLayout,
  type DynamicDiskRequest,
  type DynamicVolumeLayout,
  type DynamicVolumePlacement,
  type DynamicVolumeSpec,
  type SystemPartitionPlacement,
} from './dynamic-disk.js';
export { convertDiskImageToDynamic, convertDiskToDynamic, layoutConversion, type BasicDisk, type ConversionLayout, type ConvertDiskOptions } from './convert-disk.js';
export type { DynamicVolumeExtent, DynamicVolumeFacts, LdmFacts } from './ldm-volumes.js';
export { openDiskImage, withDiskImage, SECTOR, type DiskImage } from './disk-image.js';
export { formatVolumes, makeFileSystem, type VolumeFormat } from './format-volume.js';
export type { SectorWrite } from './gpt.js';
