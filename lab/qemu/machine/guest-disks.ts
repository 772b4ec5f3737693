// The machine's disks as the running environment sees them: the agent's block devices, each
// disk's partition table read in the guest (sfdisk --json) and each volume's file system and
// label (blkid), turned into the contract's DiskFacts with drive letters in WinPE's order.
import type { DiskFacts, FileSystem, PartitionFacts, RunEnvironment } from '../../../harness/index.js';
import type { AgentFacts } from '../agent-channel.js';
import { GPT_TYPES } from './partition-plan.js';

/** A fixed disk of the machine: what OSDDiskIndex counts (CD drives and removable media do not). */
export interface GuestDisk {
  index: number;
  /** /dev/sda, /dev/nvme0n1, /dev/vda. */
  device: string;
  sizeBytes: number;
  model: string;
  controller: string;
}

/** A partition with its device node, as the machine's operations need it. */
export interface GuestPartition extends PartitionFacts {
  device: string;
  diskIndex: number;
  /**
   * Partition UUID (MBR disk id + number, or the GPT partition GUID): finds the same volume after a
   * restart. Not the file-system UUID: mkntfs seeds its serial from the clock, so two volumes
   * formatted in the same second share one.
   */
  partUuid?: string;
}

export interface GuestVolumes {
  disks: DiskFacts[];
  partitions: GuestPartition[];
}

const CONTROLLERS: [RegExp, string][] = [
  [/^nvme/, 'nvme'],
  [/^vd/, 'virtio-blk'],
  [/^sd/, 'ahci'],
];

/**
 * Fixed disks in controller order (their sysfs paths name the PCI slot), as Windows numbers disks:
 * removable media, CD drives and RAM/loop devices are not disks for OSDDiskIndex.
 */
export function fixedDisks(facts: AgentFacts): GuestDisk[] {
  return facts.disks
    .filter((d) => d.removable === 0 && /^(sd|vd|nvme\d+n)/.test(d.name))
    // Ordinal order: PCI addresses are hex (00:10.0 before 00:1f.2).
    .sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0))
    .map((d, index) => ({
      index,
      device: `/dev/${d.name}`,
      sizeBytes: d.sizeBytes,
      model: d.model.trim(),
      controller: CONTROLLERS.find(([re]) => re.test(d.name))?.[1] ?? 'unknown',
    }));
}

/** One guest command printing every disk's table and every volume's identity, in sections. */
export function volumesScript(disks: GuestDisk[]): string {
  const tables = disks.map((d) => `echo '@disk ${d.device}'; sfdisk --json ${d.device} 2>/dev/null`).join('; ');
  // The kernel's own partitions (name, start, size in sectors): on an MBR dynamic disk its LDM parser
  // makes one per simple volume, where the table holds a single 0x42 entry.
  const kernel = disks.map((d) => `echo '@kernel ${d.device}'; for p in /sys/class/block/${d.device.slice(5)}/${d.device.slice(5)}*; do [ -e "$p/start" ] && echo "\${p##*/} $(cat $p/start) $(cat $p/size)"; done`).join('; ');
  return `${tables}; ${kernel}; echo '@blkid'; blkid -c /dev/null -o export 2>/dev/null; echo '@mounts'; cat /proc/mounts; true`;
}

interface SfdiskPartition {
  node: string;
  start: number;
  size: number;
  type: string;
  bootable?: boolean;
  name?: string;
}

interface SfdiskTable {
  partitiontable: { label: 'dos' | 'gpt'; sectorsize?: number; partitions?: SfdiskPartition[] };
}

function sections(output: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current = '';
  for (const line of output) {
    if (line.startsWith('@')) {
      current = line.slice(1);
      map.set(current, []);
    } else {
      map.get(current)?.push(line);
    }
  }
  return map;
}

/** blkid -o export: blocks of KEY=value separated by blank lines, keyed by DEVNAME. */
function parseBlkid(lines: string[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  let block: Record<string, string> = {};
  for (const line of [...lines, '']) {
    const eq = line.indexOf('=');
    if (line.trim() === '') {
      if (block.DEVNAME) out.set(block.DEVNAME, block);
      block = {};
    } else if (eq > 0) {
      // blkid -o export escapes spaces and specials with a backslash ("System\ Reserved").
      block[line.slice(0, eq)] = line.slice(eq + 1).replace(/\\(.)/g, '$1');
    }
  }
  return out;
}

function fileSystemOf(type: string | undefined): FileSystem | undefined {
  if (type === 'ntfs') return 'ntfs';
  if (type === 'vfat') return 'fat32';
  return undefined;
}

function kindOf(style: 'mbr' | 'gpt', typeId: string, number: number): string {
  if (style === 'gpt') {
    const found = Object.entries(GPT_TYPES).find(([, t]) => t.guid === typeId);
    return found?.[0] ?? 'primary';
  }
  if (['05', '0F', '85'].includes(typeId)) return 'extended';
  if (typeId === '27') return 'recovery';
  if (typeId === 'EF') return 'efi';
  return number > 4 ? 'logical' : 'primary';
}

/** Partition types of a dynamic disk: MBR 0x42, GPT LDM metadata and LDM data. */
const LDM_TYPES = ['42', '5808C8AA-7E8F-42E0-85D2-E1E90434CFB3', 'AF9B60A0-1431-4F62-BC68-3311714A69AD'];

/** The table's partitions; on an MBR dynamic disk (a 0x42 entry) the kernel's LDM volumes instead. */
function mbrVolumes(table: SfdiskTable['partitiontable'] | undefined, kernel: string[]): SfdiskPartition[] {
  const partitions = table?.partitions ?? [];
  if (table?.label !== 'dos' || !partitions.some((p) => p.type === '42')) return partitions;
  return kernel.map((l) => l.split(' ')).map(([name, start, size]) => ({ node: `/dev/${name}`, start: Number(start), size: Number(size), type: '42' }));
}

/** Parses volumesScript's output. */
export function parseVolumes(disks: GuestDisk[], output: string[]): GuestVolumes {
  const parts = sections(output);
  const blkid = parseBlkid(parts.get('blkid') ?? []);
  const partitions: GuestPartition[] = [];
  const diskFacts = disks.map((disk): DiskFacts => {
    const text = (parts.get(`disk ${disk.device}`) ?? []).join('\n').trim();
    const table = text ? (JSON.parse(text) as SfdiskTable).partitiontable : undefined;
    const style = table?.label === 'gpt' ? 'gpt' : table?.label === 'dos' ? 'mbr' : 'raw';
    const sector = table?.sectorsize ?? 512;
    const own = mbrVolumes(table, parts.get(`kernel ${disk.device}`) ?? []).map((p): GuestPartition => {
      const number = Number(/(\d+)$/.exec(p.node)?.[1]);
      const typeId = style === 'gpt' ? p.type.toUpperCase() : p.type.toUpperCase().padStart(2, '0');
      const id = blkid.get(p.node);
      return {
        number,
        type: kindOf(style === 'gpt' ? 'gpt' : 'mbr', typeId, number),
        typeId,
        sizeBytes: p.size * sector,
        offsetBytes: p.start * sector,
        fileSystem: fileSystemOf(id?.TYPE),
        label: id?.LABEL,
        active: p.bootable === true,
        device: p.node,
        diskIndex: disk.index,
        partUuid: id?.PARTUUID,
      };
    });
    partitions.push(...own);
    const dynamic = (table?.partitions ?? []).some((p) => LDM_TYPES.includes(p.type.toUpperCase()));
    return { index: disk.index, sizeBytes: disk.sizeBytes, model: disk.model, controller: disk.controller, style, dynamic, partitions: own };
  });
  return { disks: diskFacts, partitions };
}

/** Whether a volume gets a drive letter: data volumes do; ESP, MSR and recovery partitions do not. */
export function lettered(p: GuestPartition): boolean {
  return p.fileSystem !== undefined && (p.type === 'primary' || p.type === 'logical');
}

/**
 * Drive letters: in WinPE C: onwards for data volumes in disk order; in the full OS the Windows
 * volume is C: and the others follow. Sets driveLetter on the partitions (and their DiskFacts).
 */
export function assignLetters(volumes: GuestVolumes, environment: RunEnvironment, windowsDevice?: string): void {
  const order = volumes.partitions.filter(lettered);
  if (environment === 'FullOS' && windowsDevice) order.sort((a, b) => Number(b.device === windowsDevice) - Number(a.device === windowsDevice));
  let next = 'C'.charCodeAt(0);
  // DiskFacts hold the same partition objects, so the facts see the letters too.
  for (const p of order) p.driveLetter = `${String.fromCharCode(next++)}:`;
}
