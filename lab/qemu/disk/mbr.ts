// The MBR partition table: four entries in sector 0 and, for an extended partition, the chain of
// extended boot records (EBRs) that hold one logical partition each.
import { SECTOR, type DiskImage } from './disk-image.js';

export interface MbrEntry {
  active: boolean;
  /** Type byte. */
  type: number;
  startLba: number;
  sectors: number;
}

export interface MbrPartition extends MbrEntry {
  kind: 'primary' | 'extended' | 'logical';
}

export const MBR_SIGNATURE = 0xaa55;
const TABLE_OFFSET = 446;
const ENTRY_SIZE = 16;
const EXTENDED_TYPES = new Set([0x05, 0x0f, 0x85]);
export const PROTECTIVE_TYPE = 0xee;
/** A corrupt chain could point back at itself; real disks stop far below this. */
const MAX_LOGICAL = 128;

export function hasMbrSignature(sector0: Buffer): boolean {
  return sector0.readUInt16LE(510) === MBR_SIGNATURE;
}

export function isExtendedType(type: number): boolean {
  return EXTENDED_TYPES.has(type);
}

/** The four slots of a partition sector (MBR or EBR), empty slots included as type 0. */
export function parseEntries(sector: Buffer): MbrEntry[] {
  const entries: MbrEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const e = sector.subarray(TABLE_OFFSET + i * ENTRY_SIZE, TABLE_OFFSET + (i + 1) * ENTRY_SIZE);
    entries.push({ active: e[0] === 0x80, type: e[4]!, startLba: e.readUInt32LE(8), sectors: e.readUInt32LE(12) });
  }
  return entries;
}

/** Primary and extended partitions in slot order, then the logical partitions in chain order. */
export async function readMbrPartitions(image: DiskImage, sector0: Buffer): Promise<MbrPartition[]> {
  const result: MbrPartition[] = [];
  const logicals: MbrPartition[] = [];
  for (const entry of parseEntries(sector0)) {
    if (entry.type === 0 || entry.sectors === 0) continue;
    if (!isExtendedType(entry.type)) {
      result.push({ ...entry, kind: 'primary' });
      continue;
    }
    result.push({ ...entry, kind: 'extended' });
    let ebr = entry.startLba;
    // A chain that leaves the extended partition or the disk ends there: the rest is unreadable.
    for (let n = 0; n < MAX_LOGICAL && ebr >= entry.startLba && ebr < entry.startLba + entry.sectors && (ebr + 1) * SECTOR <= image.sizeBytes; n++) {
      const [logical, next] = parseEntries(await image.read(ebr * SECTOR, SECTOR));
      if (logical && logical.type !== 0 && logical.sectors > 0) logicals.push({ ...logical, startLba: ebr + logical.startLba, kind: 'logical' });
      if (!next || !isExtendedType(next.type) || next.sectors === 0) break;
      ebr = entry.startLba + next.startLba;
    }
  }
  return [...result, ...logicals];
}

/** CHS fields of an LBA beyond the 1024-cylinder limit, as every partitioner writes them. */
const CHS_MAX = Buffer.from([0xfe, 0xff, 0xff]);

/** Sector 0 with the given entries (at most four), no boot code, and a disk signature. */
export function encodeMbr(entries: MbrEntry[], diskSignature: number): Buffer {
  if (entries.length > 4) throw new RangeError(`an MBR holds four entries, not ${entries.length}`);
  const sector = Buffer.alloc(SECTOR);
  sector.writeUInt32LE(diskSignature >>> 0, 440);
  entries.forEach((entry, i) => {
    const at = TABLE_OFFSET + i * ENTRY_SIZE;
    sector[at] = entry.active ? 0x80 : 0;
    CHS_MAX.copy(sector, at + 1);
    sector[at + 4] = entry.type;
    CHS_MAX.copy(sector, at + 5);
    sector.writeUInt32LE(entry.startLba, at + 8);
    sector.writeUInt32LE(Math.min(entry.sectors, 0xffffffff), at + 12);
  });
  sector.writeUInt16LE(MBR_SIGNATURE, 510);
  return sector;
}
