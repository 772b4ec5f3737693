// A physical disk: partition table (MBR with active flag and type bytes, or GPT with type
// GUIDs), basic or dynamic, and the volumes on it. partition() does what osddiskpart does for
// a Format and Partition Disk step; convertToDynamic() what Convert Disk to Dynamic does.

import type { DiskFacts, PartitionDiskRequest, PartitionFacts, PartitionSpec } from '../../../harness/index.js';
import type { StorageControllerModel } from '../devices.js';
import { FAT32_MAX_FORMAT_BYTES, GIB, GPT_TYPE, MBR_MAX_BYTES, MBR_TYPE, MIB } from './partition-types.js';
import { Volume } from './volume.js';

export type PartitionKind = PartitionSpec['type'] | 'biosBoot';
/** Layout of a dynamic volume; only simple volumes can be captured or applied. */
export type VolumeLayout = 'simple' | 'spanned' | 'striped' | 'mirrored' | 'raid5';

export interface Partition {
  number: number;
  kind: PartitionKind;
  typeId: string;
  offsetBytes: number;
  sizeBytes: number;
  active: boolean;
  volume?: Volume;
  layout: VolumeLayout;
  driveLetter?: string;
}

export type PartitionResult = { ok: true } | { ok: false; message: string };

export class Disk {
  style: 'raw' | 'mbr' | 'gpt' = 'raw';
  dynamic = false;
  partitions: Partition[] = [];
  /** A BIOS boot setup on a GPT disk (boot code in the protective MBR and a BIOS boot partition). */
  biosBootCode = false;
  /** Incremented on every repartition, so holders of a volume (the cache) see it is gone. */
  generation = 0;

  constructor(
    readonly index: number,
    readonly sizeBytes: number,
    readonly controller: StorageControllerModel,
    readonly model: string,
  ) {}

  partition(request: PartitionDiskRequest): PartitionResult {
    const check = this.layoutProblem(request);
    if (check) return { ok: false, message: check };
    const usable = request.style === 'gpt' ? this.sizeBytes - 2 * MIB : this.sizeBytes - MIB;
    let offset = MIB;
    let extendedEnd = 0;
    const partitions: Partition[] = [];
    const specs = request.partitions;
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      const end = spec.type === 'logical' && extendedEnd > 0 ? extendedEnd : MIB + usable;
      if (spec.type === 'logical') offset += MIB;
      const free = end - offset;
      const size = alignDown(sizeOf(spec, free));
      if (size <= 0 || size > free) return { ok: false, message: `partition ${i + 1}: ${describeSize(spec)} does not fit in ${mb(free)} left on disk ${this.index}` };
      if (spec.fileSystem === 'fat32' && size > FAT32_MAX_FORMAT_BYTES) {
        return { ok: false, message: `partition ${i + 1}: the volume size is too big for FAT32 (${mb(size)} > 32 GB)` };
      }
      partitions.push({
        number: partitions.length + 1,
        kind: spec.type,
        typeId: typeIdOf(request.style, spec),
        offsetBytes: offset,
        sizeBytes: size,
        active: request.style === 'mbr' && spec.bootable,
        volume: spec.fileSystem && spec.type !== 'extended' ? new Volume(spec.fileSystem, size, spec.label) : undefined,
        layout: 'simple',
      });
      if (spec.type === 'extended') extendedEnd = offset + size;
      else offset += size;
    }
    this.style = request.style;
    this.partitions = partitions;
    this.dynamic = false;
    this.biosBootCode = false;
    this.generation++;
    if (request.diskType === 'dynamic') this.convertToDynamic();
    return { ok: true };
  }

  /** Converts in place: every partition becomes a simple volume, data kept. */
  convertToDynamic(): PartitionResult {
    if (this.style === 'raw') return { ok: false, message: `disk ${this.index} is not initialised` };
    this.dynamic = true;
    for (const p of this.partitions) {
      if (this.style === 'mbr' && p.kind !== 'extended') p.typeId = MBR_TYPE.dynamic;
      if (this.style === 'gpt' && p.kind !== 'efi' && p.kind !== 'msr') p.typeId = GPT_TYPE.ldmData;
    }
    return { ok: true };
  }

  volumes(): Partition[] {
    return this.partitions.filter((p) => p.volume !== undefined);
  }

  facts(): DiskFacts {
    return {
      index: this.index,
      sizeBytes: this.sizeBytes,
      model: this.model,
      controller: this.controller,
      style: this.style,
      dynamic: this.dynamic,
      partitions: this.partitions.map(
        (p): PartitionFacts => ({
          number: p.number,
          type: p.kind === 'biosBoot' ? 'primary' : p.kind,
          typeId: p.typeId,
          sizeBytes: p.sizeBytes,
          offsetBytes: p.offsetBytes,
          fileSystem: p.volume?.fileSystem,
          label: p.volume?.label,
          active: p.active,
          driveLetter: p.driveLetter,
          freeBytes: p.volume?.freeBytes,
        }),
      ),
    };
  }

  private layoutProblem(request: PartitionDiskRequest): string | undefined {
    if (request.partitions.length === 0) return 'no partitions requested';
    if (request.style === 'mbr' && this.sizeBytes > MBR_MAX_BYTES) {
      return `disk ${this.index} is larger than 2 TiB: only the first 2 TiB are addressable with MBR`;
    }
    const kinds = request.partitions.map((p) => p.type);
    if (request.style === 'gpt') {
      const bad = kinds.find((k) => k === 'extended' || k === 'logical');
      if (bad) return `${bad} partitions exist only on MBR disks`;
    } else {
      if (kinds.includes('msr')) return 'an MSR partition exists only on GPT disks';
      const top = kinds.filter((k) => k !== 'logical').length;
      if (top > 4) return `an MBR disk holds at most 4 primary or extended partitions (${top} requested)`;
      if (kinds.filter((k) => k === 'extended').length > 1) return 'an MBR disk holds at most one extended partition';
      const firstLogical = kinds.indexOf('logical');
      if (firstLogical >= 0 && !kinds.slice(0, firstLogical).includes('extended')) return 'logical partitions need an extended partition before them';
      if (request.partitions.filter((p) => p.bootable).length > 1) return 'only one partition can be active on an MBR disk';
    }
    return undefined;
  }
}

function sizeOf(spec: PartitionSpec, free: number): number {
  if (spec.size === 'remaining') return free;
  const { value, unit } = spec.size;
  if (unit === 'PERCENT') return Math.floor((free * value) / 100);
  return value * (unit === 'GB' ? GIB : MIB);
}

function alignDown(bytes: number): number {
  return Math.floor(bytes / MIB) * MIB;
}

function typeIdOf(style: 'mbr' | 'gpt', spec: PartitionSpec): string {
  if (style === 'gpt') {
    switch (spec.type) {
      case 'efi':
        return GPT_TYPE.efiSystem;
      case 'msr':
        return GPT_TYPE.microsoftReserved;
      case 'recovery':
        return GPT_TYPE.recovery;
      default:
        return GPT_TYPE.basicData;
    }
  }
  switch (spec.type) {
    case 'efi':
      return MBR_TYPE.efi;
    case 'extended':
      return MBR_TYPE.extended;
    case 'recovery':
      return MBR_TYPE.recovery;
    default:
      return spec.fileSystem === 'fat32' ? MBR_TYPE.fat32 : MBR_TYPE.ntfs;
  }
}

function describeSize(spec: PartitionSpec): string {
  return spec.size === 'remaining' ? 'the remaining space' : `${spec.size.value} ${spec.size.unit}`;
}

function mb(bytes: number): string {
  return `${Math.floor(bytes / MIB)} MB`;
}
