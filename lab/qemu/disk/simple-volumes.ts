// The LDM database of a one-disk group holding simple volumes: one volume, one component and one
// partition record per volume, named as Windows names them (Disk1, Disk1-01, Volume1-01). Shared
// by the writer of fresh dynamic disks and the in-place conversion of basic disks.
import { randomUUID } from 'node:crypto';
import { DATABASE_SECTORS, encodeDatabase, type PrivHead } from './ldm-database.js';
import type { LdmRecord } from './ldm-records.js';

export interface SimpleVolumeExtent {
  name: string;
  /** Absolute start on the disk and length, in sectors. */
  startSector: number;
  sectors: number;
  /** MBR type byte of the volume's file system (0x07 NTFS, 0x0C FAT32). */
  partitionType: number;
}

export interface DatabaseIds {
  disk?: string;
  diskGroup?: string;
  host?: string;
  volumes?: string[];
}

export interface SimpleVolumeDatabase {
  privHead: PrivHead;
  records: LdmRecord[];
  /** The 2048-sector database area, to be written at `privHead.configStart`. */
  area: Buffer;
}

export function simpleVolumeDatabase(options: {
  volumes: SimpleVolumeExtent[];
  /** The data area partition records count from, and the database's first sector. */
  dataStart: number;
  dataSectors: number;
  configStart: number;
  diskGroupName: string;
  ids: DatabaseIds;
  createdAt: Date;
}): SimpleVolumeDatabase {
  const { ids, dataStart } = options;
  const diskGroupGuid = ids.diskGroup ?? randomUUID();
  const diskGuid = ids.disk ?? randomUUID();
  const records: LdmRecord[] = [
    { kind: 'diskGroup', id: 1, name: options.diskGroupName, guid: diskGroupGuid },
    { kind: 'disk', id: 2, name: 'Disk1', guid: diskGuid },
  ];
  options.volumes.forEach((v, i) => {
    const id = 3 + 3 * i;
    records.push(
      { kind: 'volume', id, name: v.name, volumeType: 'gen', number: i + 1, components: 1, sizeSectors: v.sectors, partitionType: v.partitionType, guid: ids.volumes?.[i] ?? randomUUID() },
      { kind: 'component', id: id + 1, name: `${v.name}-01`, type: 'spanned', parts: 1, volumeId: id },
      { kind: 'partition', id: id + 2, name: `Disk1-${String(i + 1).padStart(2, '0')}`, startSector: v.startSector - dataStart, volumeOffsetSectors: 0, sizeSectors: v.sectors, componentId: id + 1, diskId: 2 },
    );
  });
  const privHead: PrivHead = {
    version: { major: 2, minor: 12 },
    diskGuid,
    hostGuid: ids.host ?? randomUUID(),
    diskGroupGuid,
    diskGroupName: options.diskGroupName,
    logicalDiskStart: dataStart,
    logicalDiskSectors: options.dataSectors,
    configStart: options.configStart,
    configSectors: DATABASE_SECTORS,
  };
  return { privHead, records, area: encodeDatabase({ privHead, sequence: records.length, records }, options.createdAt) };
}

/** A disk signature Windows would show, taken from the disk GUID so it is stable per layout. */
export function signatureOf(guid: string): number {
  return Number.parseInt(guid.replace(/-/g, '').slice(0, 8), 16) >>> 0;
}
