// Reads the LDM database of a dynamic disk and resolves its records into volumes with their
// extents on this disk, the way Disk Management lists them.
import { SECTOR, type DiskImage } from './disk-image.js';
import type { DynamicVolumeLayout } from './dynamic-disk.js';
import { DATABASE_SECTORS, decodeDatabase, decodePrivHead, type LdmDatabase, type PrivHead } from './ldm-database.js';
import type { ComponentRecord, DiskRecord, LdmRecord, PartitionRecord, VolumeRecord } from './ldm-records.js';

export interface DynamicVolumeExtent {
  /** Name of the LDM partition record ("Disk1-01"). */
  name: string;
  diskName: string;
  /** Absolute on this disk; undefined for extents on other disks of the group. */
  offsetBytes?: number;
  sizeBytes: number;
}

export interface DynamicVolumeFacts {
  name: string;
  guid: string;
  layout: DynamicVolumeLayout;
  sizeBytes: number;
  /** MBR type byte the volume records ("07", "0C"). */
  partitionType: string;
  extents: DynamicVolumeExtent[];
}

export interface LdmFacts {
  diskGroup: { name: string; guid: string };
  /** This disk, as the PRIVHEAD names it. */
  disk: { name: string; guid: string };
  privHead: PrivHead;
  volumes: DynamicVolumeFacts[];
}

/** The PRIVHEAD at `sector`, its database area and the records in it. */
export async function readLdmDatabase(image: DiskImage, privHeadSector: number): Promise<LdmDatabase> {
  const privHead = decodePrivHead(await image.read(privHeadSector * SECTOR, SECTOR));
  if (!privHead) throw new Error(`LDM: no PRIVHEAD in sector ${privHeadSector}`);
  const areaSectors = Math.min(privHead.configSectors, DATABASE_SECTORS);
  if ((privHead.configStart + areaSectors) * SECTOR > image.sizeBytes) throw new Error('LDM: the database lies beyond the end of the disk');
  return decodeDatabase(privHead, await image.read(privHead.configStart * SECTOR, areaSectors * SECTOR));
}

function layoutOf(components: ComponentRecord[], parts: number): DynamicVolumeLayout {
  if (components.length > 1) return 'mirrored';
  const type = components[0]?.type;
  if (type === 'striped') return 'striped';
  if (type === 'raid') return 'raid5';
  return parts > 1 ? 'spanned' : 'simple';
}

export function resolveLdm(db: LdmDatabase): LdmFacts {
  const of = <K extends LdmRecord['kind']>(kind: K) => db.records.filter((r): r is Extract<LdmRecord, { kind: K }> => r.kind === kind);
  const disks = of('disk') as DiskRecord[];
  const components = of('component') as ComponentRecord[];
  const partitions = of('partition') as PartitionRecord[];
  const group = of('diskGroup')[0];
  const guid = db.privHead.diskGuid.toLowerCase();
  const thisDisk = disks.find((d) => d.guid.toLowerCase() === guid);
  const volumes = (of('volume') as VolumeRecord[]).map((v): DynamicVolumeFacts => {
    const comps = components.filter((c) => c.volumeId === v.id);
    const parts = partitions
      .filter((p) => comps.some((c) => c.id === p.componentId))
      .sort((a, b) => (a.index ?? 0) - (b.index ?? 0) || a.volumeOffsetSectors - b.volumeOffsetSectors);
    return {
      name: v.name,
      guid: v.guid,
      layout: layoutOf(comps, parts.length),
      sizeBytes: v.sizeSectors * SECTOR,
      partitionType: v.partitionType.toString(16).toUpperCase().padStart(2, '0'),
      extents: parts.map((p) => ({
        name: p.name,
        diskName: disks.find((d) => d.id === p.diskId)?.name ?? `#${p.diskId}`,
        offsetBytes: p.diskId === thisDisk?.id ? (db.privHead.logicalDiskStart + p.startSector) * SECTOR : undefined,
        sizeBytes: p.sizeSectors * SECTOR,
      })),
    };
  });
  return {
    diskGroup: { name: group?.name ?? db.privHead.diskGroupName, guid: db.privHead.diskGroupGuid },
    disk: { name: thisDisk?.name ?? '', guid: db.privHead.diskGuid },
    privHead: db.privHead,
    volumes,
  };
}
