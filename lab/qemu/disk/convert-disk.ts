// Convert Disk to Dynamic in place, keeping every partition's data: each basic partition becomes
// a simple volume over the same sectors. On MBR the table becomes one 0x42 entry from the first
// partition to the end of the disk (boot code and, when the first partition was active, the
// active flag kept) and the database takes the last 1 MiB, which must be unallocated, as Windows
// requires. On GPT the basic data partitions become LDM data partitions; the 1 MiB LDM metadata
// partition is taken from the front of the MSR, or from free space when there is no MSR to
// shrink; ESP, MSR and other partitions stay.
import { randomUUID } from 'node:crypto';
import type { FileSystem } from '../../../harness/index.js';
import { InputError } from '../../../scenarios/index.js';
import { GPT_TYPE, MBR_TYPE } from '../../twin/index.js';
import { SECTOR, withDiskImage, type DiskImage } from './disk-image.js';
import type { DynamicVolumePlacement } from './dynamic-disk.js';
import { readVolumeFacts } from './file-system.js';
import { encodeGpt, gptUsableRange, readGpt, type GptEntrySpec, type GptTable, type SectorWrite } from './gpt.js';
import { DATABASE_SECTORS, encodePrivHead, MBR_PRIVHEAD_SECTOR, type PrivHead } from './ldm-database.js';
import type { LdmRecord } from './ldm-records.js';
import { hasMbrSignature, parseEntries, PROTECTIVE_TYPE, readMbrPartitions, type MbrPartition } from './mbr.js';
import { simpleVolumeDatabase, type DatabaseIds, type SimpleVolumeExtent } from './simple-volumes.js';

export interface ConvertDiskOptions {
  diskGroupName?: string;
  ids?: DatabaseIds;
  createdAt?: Date;
  /** Where the request came from (the step's OSDConvertDiskIndex), for InputError messages. */
  source?: { file?: string; path?: string };
  signal?: AbortSignal;
}

export interface ConversionLayout {
  style: 'mbr' | 'gpt';
  privHead: PrivHead;
  records: LdmRecord[];
  volumes: DynamicVolumePlacement[];
  writes: SectorWrite[];
}

/** The basic disk as read, with each partition's file system (undefined when unformatted). */
export type BasicDisk =
  | { style: 'mbr'; sector0: Buffer; partitions: MbrPartition[]; fileSystems: (FileSystem | undefined)[] }
  | { style: 'gpt'; table: GptTable; fileSystems: (FileSystem | undefined)[] };

const LDM_TYPE = Number.parseInt(MBR_TYPE.dynamic, 16);
const TYPE_OF: Record<FileSystem, number> = { ntfs: Number.parseInt(MBR_TYPE.ntfs, 16), fat32: Number.parseInt(MBR_TYPE.fat32, 16) };

function refuse(options: ConvertDiskOptions, message: string): InputError {
  return new InputError({ file: options.source?.file, path: options.source?.path, message });
}

function placement(v: SimpleVolumeExtent, fileSystem: FileSystem | undefined): DynamicVolumePlacement {
  return { name: v.name, offsetBytes: v.startSector * SECTOR, sizeBytes: v.sectors * SECTOR, fileSystem };
}

function convertMbr(diskSectors: number, disk: Extract<BasicDisk, { style: 'mbr' }>, options: ConvertDiskOptions): ConversionLayout {
  const { partitions } = disk;
  if (partitions.some((p) => p.type === LDM_TYPE)) throw refuse(options, 'the disk is already dynamic');
  const configStart = diskSectors - DATABASE_SECTORS;
  const first = Math.min(...partitions.map((p) => p.startLba), configStart);
  if (first <= MBR_PRIVHEAD_SECTOR) throw refuse(options, `a partition starts at sector ${first}, where the LDM private header (sector 6) goes; the disk cannot be converted`);
  if (partitions.some((p) => p.startLba + p.sectors > configStart)) {
    throw refuse(options, 'the disk needs 1 MB of unallocated space at its end for the LDM database; shrink the last partition first');
  }
  const volumes = partitions
    .map((p, i) => ({ p, fileSystem: disk.fileSystems[i] }))
    .filter(({ p }) => p.kind !== 'extended')
    .map(({ p, fileSystem }, i) => ({ extent: { name: `Volume${i + 1}`, startSector: p.startLba, sectors: p.sectors, partitionType: p.type }, fileSystem }));
  const createdAt = options.createdAt ?? new Date();
  const db = simpleVolumeDatabase({
    volumes: volumes.map((v) => v.extent),
    dataStart: first,
    dataSectors: configStart - first,
    configStart,
    diskGroupName: options.diskGroupName ?? 'OSDLABDg0',
    ids: options.ids ?? {},
    createdAt,
  });
  // Keep the boot code and disk signature; one 0x42 entry, active when the boot partition led.
  const sector0 = Buffer.from(disk.sector0);
  sector0.fill(0, 446, 510);
  const active = partitions.some((p) => p.active && p.startLba === first);
  sector0[446] = active ? 0x80 : 0;
  sector0.writeUIntBE(0xfeffff, 447, 3);
  sector0[450] = LDM_TYPE;
  sector0.writeUIntBE(0xfeffff, 451, 3);
  sector0.writeUInt32LE(first, 454);
  sector0.writeUInt32LE(Math.min(diskSectors - first, 0xffffffff), 458);
  return {
    style: 'mbr',
    privHead: db.privHead,
    records: db.records,
    volumes: volumes.map((v) => placement(v.extent, v.fileSystem)),
    writes: [
      { offsetBytes: 0, data: sector0 },
      { offsetBytes: MBR_PRIVHEAD_SECTOR * SECTOR, data: encodePrivHead(db.privHead, createdAt) },
      { offsetBytes: configStart * SECTOR, data: db.area },
    ],
  };
}

/** First MiB-aligned run of 2048 free sectors in the usable range, if any. */
function freeMebibyte(diskSectors: number, taken: { firstLba: number; lastLba: number }[]): number | undefined {
  const { first, last } = gptUsableRange(diskSectors);
  const sorted = [...taken].sort((a, b) => a.firstLba - b.firstLba);
  let candidate = Math.ceil(first / 2048) * 2048;
  for (const p of sorted) {
    if (candidate + DATABASE_SECTORS <= p.firstLba) return candidate;
    candidate = Math.max(candidate, Math.ceil((p.lastLba + 1) / 2048) * 2048);
  }
  return candidate + DATABASE_SECTORS - 1 <= last ? candidate : undefined;
}

function convertGpt(diskSectors: number, disk: Extract<BasicDisk, { style: 'gpt' }>, options: ConvertDiskOptions): ConversionLayout {
  const parts = disk.table.partitions;
  if (parts.some((p) => p.typeGuid === GPT_TYPE.ldmMetadata || p.typeGuid === GPT_TYPE.ldmData)) throw refuse(options, 'the disk is already dynamic');
  const entries: GptEntrySpec[] = parts.map((p) => ({ typeGuid: p.typeGuid, uniqueGuid: p.uniqueGuid, firstLba: p.firstLba, lastLba: p.lastLba, name: p.name, attributes: p.attributes }));
  const msr = entries.find((e) => e.typeGuid === GPT_TYPE.microsoftReserved && e.lastLba - e.firstLba + 1 > DATABASE_SECTORS);
  let configStart: number;
  if (msr) {
    configStart = msr.firstLba;
    msr.firstLba += DATABASE_SECTORS;
  } else {
    const free = freeMebibyte(diskSectors, entries);
    if (free === undefined) throw refuse(options, 'the disk needs 1 MB of unallocated space (or an MSR to take it from) for the LDM metadata partition');
    configStart = free;
  }
  const data = entries.map((e, i) => ({ e, fileSystem: disk.fileSystems[i] })).filter(({ e }) => e.typeGuid === GPT_TYPE.basicData);
  const volumes = data.map(({ e, fileSystem }, i) => ({
    extent: { name: `Volume${i + 1}`, startSector: e.firstLba, sectors: e.lastLba - e.firstLba + 1, partitionType: TYPE_OF[fileSystem ?? 'ntfs'] },
    fileSystem,
  }));
  for (const { e } of data) Object.assign(e, { typeGuid: GPT_TYPE.ldmData, name: 'LDM data partition', attributes: 0n });
  entries.push({ typeGuid: GPT_TYPE.ldmMetadata, uniqueGuid: randomUUID(), firstLba: configStart, lastLba: configStart + DATABASE_SECTORS - 1, name: 'LDM metadata partition' });
  const dataStart = data.length > 0 ? Math.min(...data.map(({ e }) => e.firstLba)) : configStart + DATABASE_SECTORS;
  const dataEnd = data.length > 0 ? Math.max(...data.map(({ e }) => e.lastLba + 1)) : dataStart;
  const createdAt = options.createdAt ?? new Date();
  const db = simpleVolumeDatabase({
    volumes: volumes.map((v) => v.extent),
    dataStart,
    dataSectors: dataEnd - dataStart,
    configStart,
    diskGroupName: options.diskGroupName ?? 'OSDLABDg0',
    ids: options.ids ?? {},
    createdAt,
  });
  return {
    style: 'gpt',
    privHead: db.privHead,
    records: db.records,
    volumes: volumes.map((v) => placement(v.extent, v.fileSystem)),
    writes: [...encodeGpt(diskSectors, disk.table.diskGuid, entries.sort((a, b) => a.firstLba - b.firstLba)), { offsetBytes: configStart * SECTOR, data: db.area }],
  };
}

/** The writes that make this basic disk dynamic (pure). */
export function layoutConversion(diskSizeBytes: number, disk: BasicDisk, options: ConvertDiskOptions = {}): ConversionLayout {
  const diskSectors = Math.floor(diskSizeBytes / SECTOR);
  return disk.style === 'mbr' ? convertMbr(diskSectors, disk, options) : convertGpt(diskSectors, disk, options);
}

async function fileSystemsOf(image: DiskImage, extents: { offsetBytes: number; sizeBytes: number }[]): Promise<(FileSystem | undefined)[]> {
  const out: (FileSystem | undefined)[] = [];
  for (const e of extents) out.push((await readVolumeFacts(image, e.offsetBytes, e.sizeBytes)).fileSystem);
  return out;
}

async function readBasicDisk(image: DiskImage, options: ConvertDiskOptions): Promise<BasicDisk> {
  const sector0 = await image.read(0, SECTOR);
  if (!hasMbrSignature(sector0)) throw refuse(options, 'the disk is not initialised (no partition table); partition it first');
  if (parseEntries(sector0).some((e) => e.type === PROTECTIVE_TYPE)) {
    const table = await readGpt(image);
    if (!table) throw refuse(options, 'the disk has a protective MBR but no readable GPT');
    const extents = table.partitions.map((p) => ({ offsetBytes: p.firstLba * SECTOR, sizeBytes: (p.lastLba - p.firstLba + 1) * SECTOR }));
    return { style: 'gpt', table, fileSystems: await fileSystemsOf(image, extents) };
  }
  const partitions = await readMbrPartitions(image, sector0);
  const extents = partitions.map((p) => ({ offsetBytes: p.startLba * SECTOR, sizeBytes: p.sectors * SECTOR }));
  return { style: 'mbr', sector0, partitions, fileSystems: await fileSystemsOf(image, extents) };
}

/**
 * Converts the basic disk behind `image` to a dynamic disk in place; data on its partitions stays.
 * Any DiskImage will do: an image file on the host, or a running machine's disk through its agent.
 */
export async function convertDiskImageToDynamic(image: DiskImage, options: ConvertDiskOptions = {}): Promise<ConversionLayout> {
  const layout = layoutConversion(image.sizeBytes, await readBasicDisk(image, options), options);
  for (const w of layout.writes) {
    options.signal?.throwIfAborted();
    await image.write(w.offsetBytes, w.data);
  }
  return layout;
}

/** Converts the basic disk in the image file to a dynamic disk in place; data on its partitions stays. */
export async function convertDiskToDynamic(imagePath: string, options: ConvertDiskOptions = {}): Promise<ConversionLayout> {
  return withDiskImage(imagePath, { writable: true, signal: options.signal }, (image) => convertDiskImageToDynamic(image, options));
}
