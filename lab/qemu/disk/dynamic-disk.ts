// Makes a disk dynamic the way Windows lays one out, holding simple volumes: on MBR one
// partition of type 0x42 and the LDM database in the last 1 MiB (first PRIVHEAD in sector 6); on
// GPT an LDM metadata partition (the database) and an LDM data partition (the volumes).
// layoutDynamicDisk is pure (bytes for given sizes and ids); writeDynamicDisk writes them to an
// image and formats the volumes, so the lab can run it on a qcow2 from the host or ship the
// bytes to a guest. The disk is repartitioned: what it held before is not kept.
import { randomUUID } from 'node:crypto';
import type { FileSystem } from '../../../harness/index.js';
import { InputError } from '../../../scenarios/index.js';
import { GPT_TYPE, MBR_TYPE } from '../../twin/index.js';
import { SECTOR, withDiskImage } from './disk-image.js';
import { formatVolumes } from './format-volume.js';
import { encodeGpt, gptUsableRange, type GptEntrySpec, type SectorWrite } from './gpt.js';
import { DATABASE_SECTORS, encodePrivHead, MBR_PRIVHEAD_SECTOR, type PrivHead } from './ldm-database.js';
import type { LdmRecord } from './ldm-records.js';
import { signatureOf, simpleVolumeDatabase, type SimpleVolumeExtent } from './simple-volumes.js';
import { encodeMbr } from './mbr.js';

export type DynamicVolumeLayout = 'simple' | 'spanned' | 'striped' | 'mirrored' | 'raid5';

export interface DynamicVolumeSpec {
  /** LDM volume name; Windows' default is "Volume<n>". */
  name?: string;
  /** Whole sectors, or "remaining" for the rest of the data area (last volume only). */
  sizeBytes: number | 'remaining';
  fileSystem?: FileSystem;
  label?: string;
  /** Only "simple" is written; the others are refused (ConfigMgr supports simple volumes only). */
  layout?: DynamicVolumeLayout;
}

export interface DynamicDiskRequest {
  style: 'mbr' | 'gpt';
  volumes: DynamicVolumeSpec[];
  /**
   * GPT only: an EFI system partition (FAT32) and a Microsoft reserved partition, laid out as
   * Windows leaves them on a converted disk: ESP, LDM metadata, MSR, LDM data.
   */
  efiSystemPartition?: { sizeBytes: number; label?: string };
  msrSizeBytes?: number;
  /** Windows names the group "<computer name>Dg0". */
  diskGroupName?: string;
  /** GUIDs and time stamp; random and now by default. Fixed values give the same bytes. */
  ids?: { disk?: string; diskGroup?: string; host?: string; volumes?: string[]; gptDisk?: string; gptPartitions?: string[] };
  createdAt?: Date;
  /** Where the request came from, for InputError messages. */
  source?: { file?: string; path?: string };
}

export interface DynamicVolumePlacement {
  name: string;
  offsetBytes: number;
  sizeBytes: number;
  fileSystem?: FileSystem;
  label?: string;
}

export interface SystemPartitionPlacement {
  kind: 'efi' | 'msr';
  offsetBytes: number;
  sizeBytes: number;
}

export interface DynamicDiskLayout {
  style: 'mbr' | 'gpt';
  /** The GPT's ESP and MSR, when asked for. */
  systemPartitions: SystemPartitionPlacement[];
  privHead: PrivHead;
  records: LdmRecord[];
  volumes: DynamicVolumePlacement[];
  /** Every sector range to write, partition table and database included. */
  writes: SectorWrite[];
}

const MIB_SECTORS = 2048;
const MBR_MAX_SECTORS = 2 ** 32;
const FAT32_MAX_BYTES = 32 * 1024 ** 3;
const SIMPLE_ONLY =
  'Configuration Manager supports only simple volumes on dynamic disks: images cannot be captured from or applied to spanned, striped, mirrored or RAID-5 volumes';

function problem(request: DynamicDiskRequest, path: string, message: string): InputError {
  const base = request.source?.path ?? 'volumes';
  return new InputError({ file: request.source?.file, path: path ? `${base}${path}` : base, message });
}

function alignUp(sectors: number): number {
  return Math.ceil(sectors / MIB_SECTORS) * MIB_SECTORS;
}

interface Areas {
  dataStart: number;
  dataSectors: number;
  configStart: number;
  system: SystemPartitionPlacement[];
}

/** Where the system partitions, the data area (what partition records count from) and the database go. */
function areas(request: DynamicDiskRequest, diskSectors: number): Areas {
  if (request.style === 'mbr') {
    const configStart = diskSectors - DATABASE_SECTORS;
    return { dataStart: MIB_SECTORS, dataSectors: configStart - MIB_SECTORS, configStart, system: [] };
  }
  const { last } = gptUsableRange(diskSectors);
  const system: SystemPartitionPlacement[] = [];
  let next = MIB_SECTORS;
  if (request.efiSystemPartition) {
    system.push({ kind: 'efi', offsetBytes: next * SECTOR, sizeBytes: request.efiSystemPartition.sizeBytes });
    next = alignUp(next + request.efiSystemPartition.sizeBytes / SECTOR);
  }
  const configStart = next;
  next += DATABASE_SECTORS;
  if (request.msrSizeBytes) {
    system.push({ kind: 'msr', offsetBytes: next * SECTOR, sizeBytes: request.msrSizeBytes });
    next = alignUp(next + request.msrSizeBytes / SECTOR);
  }
  const dataEnd = Math.floor((last + 1) / MIB_SECTORS) * MIB_SECTORS;
  return { dataStart: next, dataSectors: dataEnd - next, configStart, system };
}

function checkRequest(request: DynamicDiskRequest, diskSectors: number): void {
  if (request.style !== 'mbr' && request.style !== 'gpt') throw problem(request, '', `found style "${String(request.style)}"; allowed: mbr, gpt`);
  if (request.volumes.length === 0) throw problem(request, '', 'found no volumes; a dynamic disk needs at least one simple volume');
  request.volumes.forEach((v, i) => {
    const layout = v.layout ?? 'simple';
    if (layout !== 'simple') throw problem(request, `[${i}].layout`, `found a ${layout} volume; allowed: simple. ${SIMPLE_ONLY}`);
    if (v.sizeBytes === 'remaining' ? i !== request.volumes.length - 1 : !(Number.isInteger(v.sizeBytes) && v.sizeBytes > 0 && v.sizeBytes % SECTOR === 0)) {
      throw problem(request, `[${i}].sizeBytes`, `found ${String(v.sizeBytes)}; allowed: a positive multiple of ${SECTOR} bytes, or "remaining" for the last volume`);
    }
  });
  const sectorsOf = (bytes: number | undefined) => bytes === undefined || (Number.isInteger(bytes) && bytes > 0 && bytes % SECTOR === 0);
  if (!sectorsOf(request.efiSystemPartition?.sizeBytes)) throw problem(request, '', `found an EFI system partition of ${request.efiSystemPartition?.sizeBytes} bytes; allowed: a positive multiple of ${SECTOR} bytes`);
  if (!sectorsOf(request.msrSizeBytes)) throw problem(request, '', `found an MSR of ${request.msrSizeBytes} bytes; allowed: a positive multiple of ${SECTOR} bytes`);
  if (request.style === 'mbr' && (request.efiSystemPartition || request.msrSizeBytes)) {
    throw problem(request, '', 'found an EFI system or MSR partition on an MBR disk; they exist only on GPT disks');
  }
  if (request.style === 'mbr' && diskSectors > MBR_MAX_SECTORS) {
    throw problem(request, '', `the disk is larger than 2 TiB: only the first 2 TiB are addressable with MBR`);
  }
}

/** The bytes of a dynamic disk of `diskSizeBytes` holding the requested simple volumes. */
export function layoutDynamicDisk(diskSizeBytes: number, request: DynamicDiskRequest): DynamicDiskLayout {
  const diskSectors = Math.floor(diskSizeBytes / SECTOR);
  checkRequest(request, diskSectors);
  const { dataStart, dataSectors, configStart, system } = areas(request, diskSectors);
  if (dataSectors <= 0) throw problem(request, '', `the system partitions leave no room for an LDM data area on a ${diskSizeBytes}-byte disk`);
  const ids = request.ids ?? {};
  const volumes: DynamicVolumePlacement[] = [];
  const extents: SimpleVolumeExtent[] = [];
  let next = 0;
  request.volumes.forEach((v, i) => {
    const start = alignUp(next);
    const sectors = v.sizeBytes === 'remaining' ? dataSectors - start : v.sizeBytes / SECTOR;
    if (sectors <= 0 || start + sectors > dataSectors) {
      throw problem(request, `[${i}].sizeBytes`, `found ${String(v.sizeBytes)}; only ${Math.max(0, dataSectors - start) * SECTOR} bytes are left in the LDM data area`);
    }
    if (v.fileSystem === 'fat32' && sectors * SECTOR > FAT32_MAX_BYTES) {
      throw problem(request, `[${i}].fileSystem`, 'found fat32 on a volume above 32 GB; the volume size is too big for FAT32');
    }
    const name = v.name ?? `Volume${i + 1}`;
    extents.push({ name, startSector: dataStart + start, sectors, partitionType: Number.parseInt(v.fileSystem === 'fat32' ? MBR_TYPE.fat32 : MBR_TYPE.ntfs, 16) });
    volumes.push({ name, offsetBytes: (dataStart + start) * SECTOR, sizeBytes: sectors * SECTOR, fileSystem: v.fileSystem, label: v.label });
    next = start + sectors;
  });
  const createdAt = request.createdAt ?? new Date();
  const { privHead, records, area } = simpleVolumeDatabase({ volumes: extents, dataStart, dataSectors, configStart, diskGroupName: request.diskGroupName ?? 'OSDLABDg0', ids, createdAt });
  const database = { offsetBytes: configStart * SECTOR, data: area };
  const writes: SectorWrite[] =
    request.style === 'mbr'
      ? [
          { offsetBytes: 0, data: encodeMbr([{ active: false, type: Number.parseInt(MBR_TYPE.dynamic, 16), startLba: MIB_SECTORS, sectors: diskSectors - MIB_SECTORS }], signatureOf(privHead.diskGuid)) },
          // Sectors 1..33 may hold an old GPT header and entries; the PRIVHEAD goes in sector 6.
          { offsetBytes: SECTOR, data: Buffer.alloc(33 * SECTOR) },
          { offsetBytes: MBR_PRIVHEAD_SECTOR * SECTOR, data: encodePrivHead(privHead, createdAt) },
          database,
        ]
      : [
          ...encodeGpt(diskSectors, ids.gptDisk ?? randomUUID(), gptEntries(system, configStart, dataStart, dataSectors, ids.gptPartitions ?? [])),
          database,
        ];
  return { style: request.style, systemPartitions: system, privHead, records, volumes, writes };
}

/** GPT entries in disk order, with the names Windows gives them. */
function gptEntries(system: SystemPartitionPlacement[], configStart: number, dataStart: number, dataSectors: number, guids: string[]): GptEntrySpec[] {
  const extent = (offsetBytes: number, sizeBytes: number) => ({ firstLba: offsetBytes / SECTOR, lastLba: offsetBytes / SECTOR + Math.ceil(sizeBytes / SECTOR) - 1 });
  const entries: Omit<GptEntrySpec, 'uniqueGuid'>[] = [
    ...system.map((p) => ({
      typeGuid: p.kind === 'efi' ? GPT_TYPE.efiSystem : GPT_TYPE.microsoftReserved,
      name: p.kind === 'efi' ? 'EFI system partition' : 'Microsoft reserved partition',
      ...extent(p.offsetBytes, p.sizeBytes),
    })),
    { typeGuid: GPT_TYPE.ldmMetadata, name: 'LDM metadata partition', firstLba: configStart, lastLba: configStart + DATABASE_SECTORS - 1 },
    { typeGuid: GPT_TYPE.ldmData, name: 'LDM data partition', firstLba: dataStart, lastLba: dataStart + dataSectors - 1 },
  ];
  return entries.sort((a, b) => a.firstLba - b.firstLba).map((e, i) => ({ ...e, uniqueGuid: guids[i] ?? randomUUID() }));
}

/**
 * Writes a dynamic disk into an image (raw or any format qemu-img writes) and formats the
 * volumes that name a file system. Resolves with what was written.
 */
export async function writeDynamicDisk(imagePath: string, request: DynamicDiskRequest, signal?: AbortSignal): Promise<DynamicDiskLayout> {
  return withDiskImage(imagePath, { writable: true, signal }, async (image) => {
    const layout = layoutDynamicDisk(image.sizeBytes, request);
    for (const w of layout.writes) {
      signal?.throwIfAborted();
      await image.write(w.offsetBytes, w.data);
    }
    const esp = layout.systemPartitions.filter((p) => p.kind === 'efi').map((p) => ({ ...p, fileSystem: 'fat32' as const, label: request.efiSystemPartition?.label }));
    const formatted = [...esp, ...layout.volumes.flatMap((v) => (v.fileSystem ? [{ ...v, fileSystem: v.fileSystem }] : []))];
    await formatVolumes(image, formatted, signal);
    return layout;
  });
}
