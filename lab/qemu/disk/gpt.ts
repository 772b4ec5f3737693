// The GUID partition table: header at LBA 1 (backup at the last LBA), each with the CRC32 of
// itself and of the partition entry array. GUIDs are stored mixed-endian, as Microsoft lays them
// out: the first three fields little-endian, the rest as bytes.
import { crc32 } from 'node:zlib';
import { SECTOR, type DiskImage } from './disk-image.js';
import { encodeMbr, PROTECTIVE_TYPE } from './mbr.js';

export interface GptPartition {
  /** 1-based slot in the entry array. */
  slot: number;
  typeGuid: string;
  uniqueGuid: string;
  firstLba: number;
  lastLba: number;
  attributes: bigint;
  name: string;
}

export interface GptTable {
  diskGuid: string;
  firstUsableLba: number;
  lastUsableLba: number;
  /** False when the primary header or its entries failed their CRC and the backup was used. */
  primaryValid: boolean;
  partitions: GptPartition[];
}

const SIGNATURE = 'EFI PART';
const HEADER_SIZE = 92;
const ENTRY_SIZE = 128;
const ENTRY_COUNT = 128;
const ENTRIES_SECTORS = (ENTRY_SIZE * ENTRY_COUNT) / SECTOR;

export function guidToString(b: Buffer): string {
  const hex = (from: number, to: number) => b.subarray(from, to).toString('hex');
  const le = (from: number, to: number) => Buffer.from(b.subarray(from, to)).reverse().toString('hex');
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex(8, 10)}-${hex(10, 16)}`.toUpperCase();
}

export function guidToBytes(guid: string): Buffer {
  const h = guid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(h)) throw new RangeError(`not a GUID: ${guid}`);
  const be = Buffer.from(h, 'hex');
  return Buffer.concat([Buffer.from(be.subarray(0, 4)).reverse(), Buffer.from(be.subarray(4, 6)).reverse(), Buffer.from(be.subarray(6, 8)).reverse(), be.subarray(8)]);
}

function headerCrc(header: Buffer): number {
  const size = header.readUInt32LE(12);
  const copy = Buffer.from(header.subarray(0, size));
  copy.writeUInt32LE(0, 16);
  return crc32(copy);
}

interface Header {
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  entriesCrc: number;
  firstUsableLba: number;
  lastUsableLba: number;
  diskGuid: string;
}

function parseHeader(sector: Buffer): Header | undefined {
  if (sector.toString('latin1', 0, 8) !== SIGNATURE) return undefined;
  const size = sector.readUInt32LE(12);
  if (size < HEADER_SIZE || size > SECTOR || headerCrc(sector) !== sector.readUInt32LE(16)) return undefined;
  return {
    firstUsableLba: Number(sector.readBigUInt64LE(40)),
    lastUsableLba: Number(sector.readBigUInt64LE(48)),
    diskGuid: guidToString(sector.subarray(56, 72)),
    entriesLba: Number(sector.readBigUInt64LE(72)),
    entryCount: sector.readUInt32LE(80),
    entrySize: sector.readUInt32LE(84),
    entriesCrc: sector.readUInt32LE(88),
  };
}

async function readTable(image: DiskImage, headerLba: number): Promise<Omit<GptTable, 'primaryValid'> | undefined> {
  if (headerLba < 1 || (headerLba + 1) * SECTOR > image.sizeBytes) return undefined;
  const header = parseHeader(await image.read(headerLba * SECTOR, SECTOR));
  if (!header || header.entrySize < ENTRY_SIZE || header.entryCount > 4096) return undefined;
  const bytes = header.entryCount * header.entrySize;
  const entriesEnd = header.entriesLba * SECTOR + Math.ceil(bytes / SECTOR) * SECTOR;
  if (entriesEnd > image.sizeBytes) return undefined;
  const entries = await image.read(header.entriesLba * SECTOR, Math.ceil(bytes / SECTOR) * SECTOR);
  if (crc32(entries.subarray(0, bytes)) !== header.entriesCrc) return undefined;
  const partitions: GptPartition[] = [];
  for (let i = 0; i < header.entryCount; i++) {
    const e = entries.subarray(i * header.entrySize, (i + 1) * header.entrySize);
    if (e.subarray(0, 16).every((x) => x === 0)) continue;
    partitions.push({
      slot: i + 1,
      typeGuid: guidToString(e.subarray(0, 16)),
      uniqueGuid: guidToString(e.subarray(16, 32)),
      firstLba: Number(e.readBigUInt64LE(32)),
      lastLba: Number(e.readBigUInt64LE(40)),
      attributes: e.readBigUInt64LE(48),
      name: e.toString('utf16le', 56, 128).replace(/\0.*$/s, ''),
    });
  }
  return { diskGuid: header.diskGuid, firstUsableLba: header.firstUsableLba, lastUsableLba: header.lastUsableLba, partitions };
}

/** The table from the primary header, or from the backup when the primary is damaged. */
export async function readGpt(image: DiskImage): Promise<GptTable | undefined> {
  const primary = await readTable(image, 1);
  if (primary) return { ...primary, primaryValid: true };
  const backup = await readTable(image, Math.floor(image.sizeBytes / SECTOR) - 1);
  return backup && { ...backup, primaryValid: false };
}

export interface GptEntrySpec {
  typeGuid: string;
  uniqueGuid: string;
  firstLba: number;
  lastLba: number;
  name: string;
  attributes?: bigint;
}

export interface SectorWrite {
  offsetBytes: number;
  data: Buffer;
}

/** First and last LBA a partition may use on a disk of `sectors` with 128 entries of 128 bytes. */
export function gptUsableRange(sectors: number): { first: number; last: number } {
  return { first: 2 + ENTRIES_SECTORS, last: sectors - 2 - ENTRIES_SECTORS };
}

/** Protective MBR, primary and backup headers and entry arrays for a fresh GPT. */
export function encodeGpt(diskSectors: number, diskGuid: string, entries: GptEntrySpec[]): SectorWrite[] {
  const array = Buffer.alloc(ENTRY_SIZE * ENTRY_COUNT);
  entries.forEach((p, i) => {
    const at = i * ENTRY_SIZE;
    guidToBytes(p.typeGuid).copy(array, at);
    guidToBytes(p.uniqueGuid).copy(array, at + 16);
    array.writeBigUInt64LE(BigInt(p.firstLba), at + 32);
    array.writeBigUInt64LE(BigInt(p.lastLba), at + 40);
    array.writeBigUInt64LE(p.attributes ?? 0n, at + 48);
    array.write(p.name.slice(0, 36), at + 56, 'utf16le');
  });
  const { first, last } = gptUsableRange(diskSectors);
  const lastLba = diskSectors - 1;
  const header = (myLba: number, otherLba: number, entriesLba: number): Buffer => {
    const h = Buffer.alloc(SECTOR);
    h.write(SIGNATURE, 0, 'latin1');
    h.writeUInt32LE(0x00010000, 8);
    h.writeUInt32LE(HEADER_SIZE, 12);
    h.writeBigUInt64LE(BigInt(myLba), 24);
    h.writeBigUInt64LE(BigInt(otherLba), 32);
    h.writeBigUInt64LE(BigInt(first), 40);
    h.writeBigUInt64LE(BigInt(last), 48);
    guidToBytes(diskGuid).copy(h, 56);
    h.writeBigUInt64LE(BigInt(entriesLba), 72);
    h.writeUInt32LE(ENTRY_COUNT, 80);
    h.writeUInt32LE(ENTRY_SIZE, 84);
    h.writeUInt32LE(crc32(array), 88);
    h.writeUInt32LE(headerCrc(h), 16);
    return h;
  };
  const protective = encodeMbr([{ active: false, type: PROTECTIVE_TYPE, startLba: 1, sectors: Math.min(diskSectors - 1, 0xffffffff) }], 0);
  const backupEntriesLba = lastLba - ENTRIES_SECTORS;
  return [
    { offsetBytes: 0, data: protective },
    { offsetBytes: SECTOR, data: header(1, lastLba, 2) },
    { offsetBytes: 2 * SECTOR, data: array },
    { offsetBytes: backupEntriesLba * SECTOR, data: array },
    { offsetBytes: lastLba * SECTOR, data: header(lastLba, 1, backupEntriesLba) },
  ];
}
