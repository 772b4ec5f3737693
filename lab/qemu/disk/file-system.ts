// Which file system a volume holds and its label, read from the volume's own structures as
// Windows reads them: the FAT32 root directory's volume-label entry (the boot sector copy as a
// fallback), and the NTFS $Volume file's $VOLUME_NAME attribute.
import type { FileSystem } from '../../../harness/index.js';
import type { DiskImage } from './disk-image.js';

export interface VolumeFacts {
  fileSystem?: FileSystem;
  label?: string;
}

const ATTR_VOLUME_ID = 0x08;
const ATTR_LONG_NAME = 0x0f;
const NTFS_VOLUME_RECORD = 3;
const NTFS_VOLUME_NAME = 0x60;
const NTFS_END = 0xffffffff;

/** What the volume at this extent holds; nothing for an extent outside the disk or unknown bytes. */
export async function readVolumeFacts(image: DiskImage, offsetBytes: number, sizeBytes: number): Promise<VolumeFacts> {
  if (sizeBytes < 512 || offsetBytes + 512 > image.sizeBytes) return {};
  const boot = await image.read(offsetBytes, 512);
  if (boot.readUInt16LE(510) !== 0xaa55) return {};
  const end = Math.min(sizeBytes, image.sizeBytes - offsetBytes);
  // A damaged label structure still leaves the file system recognised, without a label.
  const label = (read: Promise<string | undefined>) => read.catch(() => undefined);
  if (boot.toString('latin1', 3, 11) === 'NTFS    ') return { fileSystem: 'ntfs', label: await label(ntfsLabel(image, offsetBytes, end, boot)) };
  if (boot.toString('latin1', 82, 90) === 'FAT32   ') return { fileSystem: 'fat32', label: await label(fat32Label(image, offsetBytes, end, boot)) };
  return {};
}

function fatName(bytes: Buffer): string | undefined {
  const name = bytes.toString('latin1').replace(/ +$/, '');
  return name === '' || name === 'NO NAME' ? undefined : name;
}

async function fat32Label(image: DiskImage, offsetBytes: number, sizeBytes: number, boot: Buffer): Promise<string | undefined> {
  const bytesPerSector = boot.readUInt16LE(11);
  const clusterBytes = bytesPerSector * boot[13]!;
  const reserved = boot.readUInt16LE(14);
  const fats = boot[16]!;
  const fatSectors = boot.readUInt32LE(36);
  const rootCluster = boot.readUInt32LE(44);
  const rootOffset = (reserved + fats * fatSectors) * bytesPerSector + (rootCluster - 2) * clusterBytes;
  if (clusterBytes > 0 && rootCluster >= 2 && rootOffset + clusterBytes <= sizeBytes) {
    const root = await image.read(offsetBytes + rootOffset, clusterBytes);
    for (let at = 0; at + 32 <= root.length; at += 32) {
      const first = root[at]!;
      if (first === 0) break;
      const attr = root[at + 11]!;
      if (first !== 0xe5 && attr !== ATTR_LONG_NAME && (attr & ATTR_VOLUME_ID) !== 0) return fatName(root.subarray(at, at + 11));
    }
  }
  return fatName(boot.subarray(71, 82));
}

async function ntfsLabel(image: DiskImage, offsetBytes: number, sizeBytes: number, boot: Buffer): Promise<string | undefined> {
  const bytesPerSector = boot.readUInt16LE(11);
  const spc = boot[13]!;
  const clusterBytes = bytesPerSector * (spc > 0x80 ? 2 ** (256 - spc) : spc);
  const perRecord = boot.readInt8(0x40);
  const recordBytes = perRecord < 0 ? 2 ** -perRecord : perRecord * clusterBytes;
  const at = Number(boot.readBigUInt64LE(0x30)) * clusterBytes + NTFS_VOLUME_RECORD * recordBytes;
  if (!(recordBytes >= 512 && recordBytes <= 65536 && at + recordBytes <= sizeBytes)) return undefined;
  const record = await image.read(offsetBytes + at, recordBytes);
  if (record.toString('latin1', 0, 4) !== 'FILE') return undefined;
  applyFixups(record, bytesPerSector);
  for (let at = record.readUInt16LE(0x14); at + 8 <= record.length; ) {
    const type = record.readUInt32LE(at);
    const length = record.readUInt32LE(at + 4);
    if (type === NTFS_END || length === 0) break;
    if (type === NTFS_VOLUME_NAME && record[at + 8] === 0) {
      const size = record.readUInt32LE(at + 0x10);
      const start = at + record.readUInt16LE(at + 0x14);
      return size > 0 ? record.toString('utf16le', start, start + size) : undefined;
    }
    at += length;
  }
  return undefined;
}

/** NTFS update sequence: the last two bytes of every sector of a record are kept in its array. */
function applyFixups(record: Buffer, bytesPerSector: number): void {
  const usaOffset = record.readUInt16LE(4);
  const usaCount = record.readUInt16LE(6);
  for (let i = 1; i < usaCount && i * bytesPerSector <= record.length; i++) {
    record.writeUInt16LE(record.readUInt16LE(usaOffset + 2 * i), i * bytesPerSector - 2);
  }
}
