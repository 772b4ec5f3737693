// Reads back what is really on a machine's disk image, for scoring and for the machine's facts:
// the partition table (MBR with its extended chain, or GPT), the volumes of a dynamic disk from
// its LDM database, and each volume's file system and label. A dynamic disk lists its LDM
// volumes where the 0x42 partition or the LDM data partition was, with that type id, as the
// twin's disk model does; the GPT's LDM metadata partition is not listed.
import type { DiskFacts, PartitionFacts } from '../../../harness/index.js';
import { GPT_TYPE, MBR_TYPE } from '../../twin/index.js';
import { SECTOR, withDiskImage, type DiskImage } from './disk-image.js';
import { readVolumeFacts } from './file-system.js';
import { readGpt, type GptPartition } from './gpt.js';
import { MBR_PRIVHEAD_SECTOR } from './ldm-database.js';
import { readLdmDatabase, resolveLdm, type LdmFacts } from './ldm-volumes.js';
import { hasMbrSignature, PROTECTIVE_TYPE, parseEntries, readMbrPartitions, type MbrPartition } from './mbr.js';

export interface DiskPartition extends PartitionFacts {
  /** GPT partition name. */
  name?: string;
}

export interface DiskLayout {
  sizeBytes: number;
  style: DiskFacts['style'];
  dynamic: boolean;
  partitions: DiskPartition[];
  gpt?: { diskGuid: string; primaryValid: boolean };
  /** The dynamic disk's database, or why it could not be read. */
  ldm?: LdmFacts | { error: string };
}

export interface ReadDiskOptions {
  index?: number;
  model?: string;
  controller?: string;
  signal?: AbortSignal;
}

const LDM_TYPE = Number.parseInt(MBR_TYPE.dynamic, 16);
const GPT_KIND: Record<string, PartitionFacts['type']> = {
  [GPT_TYPE.efiSystem]: 'efi',
  [GPT_TYPE.microsoftReserved]: 'msr',
  [GPT_TYPE.recovery]: 'recovery',
};

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

function mbrKind(p: MbrPartition): PartitionFacts['type'] {
  if (p.kind !== 'primary') return p.kind;
  if (hex2(p.type) === MBR_TYPE.efi) return 'efi';
  if (hex2(p.type) === MBR_TYPE.recovery) return 'recovery';
  return 'primary';
}

async function withVolume(image: DiskImage, p: Omit<DiskPartition, 'number'>): Promise<Omit<DiskPartition, 'number'>> {
  if (p.type === 'extended' || p.type === 'msr') return p;
  const v = await readVolumeFacts(image, p.offsetBytes, p.sizeBytes);
  return { ...p, ...(v.fileSystem && { fileSystem: v.fileSystem }), ...(v.label !== undefined && { label: v.label }) };
}

async function ldmOf(image: DiskImage, privHeadSector: number): Promise<LdmFacts | { error: string }> {
  try {
    return resolveLdm(await readLdmDatabase(image, privHeadSector));
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The volumes of this disk as partitions, or nothing when the database was unreadable. */
function ldmPartitions(ldm: LdmFacts | { error: string }, typeId: string, activeAt?: number): Omit<DiskPartition, 'number'>[] {
  if ('error' in ldm) return [];
  return ldm.volumes
    .flatMap((v) => {
      const first = v.extents.find((e) => e.offsetBytes !== undefined);
      return first ? [{ type: 'primary', typeId, offsetBytes: first.offsetBytes!, sizeBytes: v.sizeBytes, active: first.offsetBytes === activeAt, name: v.name }] : [];
    })
    .sort((a, b) => a.offsetBytes - b.offsetBytes);
}

async function readMbrLayout(image: DiskImage, sector0: Buffer): Promise<DiskLayout> {
  const entries = await readMbrPartitions(image, sector0);
  const ldmEntry = entries.find((p) => p.type === LDM_TYPE);
  const basic = (p: MbrPartition): Omit<DiskPartition, 'number'> => ({ type: mbrKind(p), typeId: hex2(p.type), offsetBytes: p.startLba * SECTOR, sizeBytes: p.sectors * SECTOR, active: p.active });
  if (!ldmEntry) {
    return { sizeBytes: image.sizeBytes, style: 'mbr', dynamic: false, partitions: await numbered(image, entries.map(basic)) };
  }
  const ldm = await ldmOf(image, MBR_PRIVHEAD_SECTOR);
  const active = entries.find((p) => p.active && p.type === LDM_TYPE);
  const others = entries.filter((p) => p.type !== LDM_TYPE).map(basic);
  const volumes = 'error' in ldm ? entries.filter((p) => p.type === LDM_TYPE).map(basic) : ldmPartitions(ldm, MBR_TYPE.dynamic, active && active.startLba * SECTOR);
  return { sizeBytes: image.sizeBytes, style: 'mbr', dynamic: true, partitions: await numbered(image, [...others, ...volumes]), ldm };
}

async function readGptLayout(image: DiskImage): Promise<DiskLayout> {
  const gpt = await readGpt(image);
  if (!gpt) return { sizeBytes: image.sizeBytes, style: 'raw', dynamic: false, partitions: [] };
  const metadata = gpt.partitions.find((p) => p.typeGuid === GPT_TYPE.ldmMetadata);
  const ldm = metadata && (await ldmOf(image, metadata.lastLba));
  const basic = (p: GptPartition): Omit<DiskPartition, 'number'> => ({
    type: GPT_KIND[p.typeGuid] ?? 'primary',
    typeId: p.typeGuid,
    offsetBytes: p.firstLba * SECTOR,
    sizeBytes: (p.lastLba - p.firstLba + 1) * SECTOR,
    active: false,
    name: p.name,
  });
  // A converted disk can have several LDM data partitions: the volumes take their place, in disk order.
  const readable = ldm !== undefined && !('error' in ldm);
  const isLdm = (p: GptPartition) => p.typeGuid === GPT_TYPE.ldmMetadata || p.typeGuid === GPT_TYPE.ldmData;
  const listed = readable
    ? [...gpt.partitions.filter((p) => !isLdm(p)).map(basic), ...ldmPartitions(ldm, GPT_TYPE.ldmData)].sort((a, b) => a.offsetBytes - b.offsetBytes)
    : gpt.partitions.map(basic);
  return {
    sizeBytes: image.sizeBytes,
    style: 'gpt',
    dynamic: ldm !== undefined,
    partitions: await numbered(image, listed),
    gpt: { diskGuid: gpt.diskGuid, primaryValid: gpt.primaryValid },
    ...(ldm && { ldm }),
  };
}

async function numbered(image: DiskImage, partitions: Omit<DiskPartition, 'number'>[]): Promise<DiskPartition[]> {
  const out: DiskPartition[] = [];
  for (const p of partitions) out.push({ number: out.length + 1, ...(await withVolume(image, p)) });
  return out;
}

/** Whether the disk is dynamic, from its partition table alone (0x42 entry, or GPT LDM partitions); cheaper than the layout. */
export async function isDynamicDiskImage(image: DiskImage): Promise<boolean> {
  const sector0 = await image.read(0, SECTOR);
  if (!hasMbrSignature(sector0)) return false;
  const entries = parseEntries(sector0);
  if (!entries.some((e) => e.type === PROTECTIVE_TYPE)) return entries.some((e) => e.type === LDM_TYPE);
  const gpt = await readGpt(image);
  return gpt !== undefined && gpt.partitions.some((p) => p.typeGuid === GPT_TYPE.ldmMetadata || p.typeGuid === GPT_TYPE.ldmData);
}

/** Everything the reader finds on a disk: an image file, or a running machine's disk through its agent. */
export async function readDiskImageLayout(image: DiskImage): Promise<DiskLayout> {
  const sector0 = await image.read(0, SECTOR);
  if (!hasMbrSignature(sector0)) return { sizeBytes: image.sizeBytes, style: 'raw', dynamic: false, partitions: [] };
  if (parseEntries(sector0).some((e) => e.type === PROTECTIVE_TYPE)) return readGptLayout(image);
  return readMbrLayout(image, sector0);
}

/** Everything the reader finds on the disk image (raw, qcow2 or any format qemu-img reads). */
export async function readDiskLayout(path: string, signal?: AbortSignal): Promise<DiskLayout> {
  return withDiskImage(path, { signal }, readDiskImageLayout);
}

/** The disk as the machine contract reports it (harness DiskFacts). */
export async function readDiskImage(path: string, options: ReadDiskOptions = {}): Promise<DiskFacts> {
  const layout = await readDiskLayout(path, options.signal);
  return {
    index: options.index ?? 0,
    sizeBytes: layout.sizeBytes,
    model: options.model ?? '',
    controller: options.controller ?? '',
    style: layout.style,
    dynamic: layout.dynamic,
    partitions: layout.partitions.map(({ name: _name, ...facts }) => facts),
  };
}
