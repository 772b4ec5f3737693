// Format and Partition Disk as osddiskpart does it, turned into real commands for the guest:
// sfdisk for MBR, sgdisk for GPT, then mkfs.vfat / mkntfs. Pure: sizes and commands only, so
// the layout rules are testable without a machine.
import type { PartitionDiskRequest, PartitionSpec } from '../../../harness/index.js';

const MIB = 1024 * 1024;
const SECTORS_PER_MIB = MIB / 512;

/** GPT type GUIDs osddiskpart writes, and their sgdisk codes. */
export const GPT_TYPES = {
  efi: { guid: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', code: 'ef00', name: 'EFI system partition' },
  msr: { guid: 'E3C9E316-0B5C-4DB8-817D-F92DF00215AE', code: '0c01', name: 'Microsoft reserved partition' },
  primary: { guid: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', code: '0700', name: 'Basic data partition' },
  recovery: { guid: 'DE94BBA4-06D1-4D40-A16A-BFD50179D6AC', code: '2700', name: 'Windows RE tools partition' },
} as const;

/** One partition as it will be on the disk. */
export interface PlannedPartition {
  /** Linux partition number (MBR logical partitions start at 5). */
  number: number;
  spec: PartitionSpec;
  startMiB: number;
  sizeMiB: number;
  /** MBR type byte in hex ("07", "0C", "27", "0F") or the GPT type GUID. */
  typeId: string;
}

export interface PartitionPlan {
  partitions: PlannedPartition[];
  /** Guest shell commands, in order; `set -e` semantics (each must succeed). */
  commands: string[];
}

export type PlanResult = { ok: true; plan: PartitionPlan } | { ok: false; message: string };

/** /dev/sda + 1 → /dev/sda1; /dev/nvme0n1 + 1 → /dev/nvme0n1p1 (names ending in a digit take "p"). */
export function partitionDevice(disk: string, number: number): string {
  return /\d$/.test(disk) ? `${disk}p${number}` : `${disk}${number}`;
}

function mbrType(spec: PartitionSpec): string {
  if (spec.type === 'extended') return '0F';
  if (spec.type === 'recovery') return '27';
  if (spec.type === 'efi') return 'EF';
  return spec.fileSystem === 'fat32' ? '0C' : '07';
}

/** FAT labels: 11 characters, upper case (as FORMAT writes them); NTFS labels: 32. */
function volumeLabel(spec: PartitionSpec): string | undefined {
  if (!spec.label) return undefined;
  return spec.fileSystem === 'fat32' ? spec.label.toUpperCase().slice(0, 11) : spec.label.slice(0, 32);
}

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

function formatCommand(device: string, spec: PartitionSpec): string | undefined {
  const label = volumeLabel(spec);
  if (spec.fileSystem === 'fat32') return `mkfs.vfat -F 32 ${label ? `-n ${quote(label)} ` : ''}${device} >/dev/null`;
  if (spec.fileSystem === 'ntfs') return `mkntfs ${spec.quickFormat ? '-Q ' : ''}-q ${label ? `-L ${quote(label)} ` : ''}${device}`;
  return undefined;
}

/** Sizes in MiB: fixed sizes first, then percentages of what is left, then "remaining" (the rest). */
function sizes(specs: PartitionSpec[], availableMiB: number): number[] | string {
  const fixed = specs.map((s) => (s.size === 'remaining' || s.size.unit === 'PERCENT' ? 0 : s.size.unit === 'GB' ? s.size.value * 1024 : s.size.value));
  let left = availableMiB - fixed.reduce((a, b) => a + b, 0);
  if (left < 0) return `the partitions need ${availableMiB - left} MB; the disk has ${availableMiB} MB`;
  const percentBase = left;
  const out = specs.map((s, i) => (s.size !== 'remaining' && s.size.unit === 'PERCENT' ? Math.floor((percentBase * s.size.value) / 100) : fixed[i]!));
  left = availableMiB - out.reduce((a, b) => a + b, 0);
  if (left < 0) return 'the percentages add up to more than 100';
  const rest = specs.findIndex((s) => s.size === 'remaining');
  if (rest >= 0) {
    if (specs.some((s, i) => i > rest && s.size === 'remaining')) return 'only one partition can use the remaining space';
    out[rest] = left;
  }
  if (out.some((m) => m < 1)) return 'a partition would be smaller than 1 MB';
  return out.map(Math.floor);
}

function validate(request: PartitionDiskRequest): string | undefined {
  const types = request.partitions.map((p) => p.type);
  if (types.length === 0) return 'no partitions given';
  if (request.style === 'gpt' && types.some((t) => t === 'extended' || t === 'logical')) return 'extended and logical partitions exist only on MBR disks';
  if (request.style === 'mbr' && types.includes('msr')) return 'an MSR partition exists only on GPT disks';
  if (request.style === 'mbr') {
    const ext = types.indexOf('extended');
    if (types.filter((t) => t === 'extended').length > 1) return 'an MBR disk has at most one extended partition';
    if (types.includes('logical') && (ext < 0 || types.findIndex((t) => t === 'logical') < ext)) return 'logical partitions must follow an extended partition';
    if (types.filter((t) => t !== 'logical').length > 4) return 'an MBR disk has at most four primary partitions (use an extended partition)';
  }
  if (request.partitions.some((p) => p.type === 'msr' && p.fileSystem)) return 'the MSR partition cannot be formatted';
  return undefined;
}

/** The plan for `request` on a disk of `diskBytes` at `disk` (/dev/sda), or why osddiskpart refuses it. */
export function planPartitions(request: PartitionDiskRequest, disk: string, diskBytes: number): PlanResult {
  const invalid = validate(request);
  if (invalid) return { ok: false, message: invalid };
  // 1 MiB at the start (alignment, and the gap where BIOS boot code lives); GPT keeps 1 MiB at the end for its backup,
  // a disk to be made dynamic 1 MiB for the LDM database (on MBR it lives in the disk's last MiB).
  const tailMiB = request.style === 'gpt' || request.diskType === 'dynamic' ? 1 : 0;
  const topLevel = request.partitions.filter((p) => p.type !== 'logical');
  const logicals = request.partitions.filter((p) => p.type === 'logical');
  const top = sizes(topLevel, Math.floor(diskBytes / MIB) - 1 - tailMiB);
  if (typeof top === 'string') return { ok: false, message: top };

  const partitions: PlannedPartition[] = [];
  let start = 1;
  topLevel.forEach((spec, i) => {
    const typeId = request.style === 'gpt' ? GPT_TYPES[spec.type as keyof typeof GPT_TYPES].guid : mbrType(spec);
    partitions.push({ number: i + 1, spec, startMiB: start, sizeMiB: top[i]!, typeId });
    start += top[i]!;
  });
  const extended = partitions.find((p) => p.spec.type === 'extended');
  if (logicals.length > 0 && extended) {
    // Each logical partition sits 1 MiB after its extended boot record.
    const inner = sizes(logicals, extended.sizeMiB - logicals.length);
    if (typeof inner === 'string') return { ok: false, message: `extended partition: ${inner}` };
    let at = extended.startMiB;
    logicals.forEach((spec, i) => {
      at += 1;
      partitions.push({ number: 5 + i, spec, startMiB: at, sizeMiB: inner[i]!, typeId: mbrType(spec) });
      at += inner[i]!;
    });
  }

  const commands = request.style === 'gpt' ? gptCommands(disk, partitions) : mbrCommands(disk, partitions);
  for (const p of partitions) {
    const format = formatCommand(partitionDevice(disk, p.number), p.spec);
    if (format) commands.push(format);
  }
  return { ok: true, plan: { partitions, commands } };
}

function mbrCommands(disk: string, partitions: PlannedPartition[]): string[] {
  const lines = ['label: dos', ...partitions.map((p) =>
    `start=${p.startMiB * SECTORS_PER_MIB}, size=${p.sizeMiB * SECTORS_PER_MIB}, type=${p.typeId.toLowerCase()}${p.spec.bootable ? ', bootable' : ''}`)];
  return [`printf '%s\\n' ${lines.map(quote).join(' ')} | sfdisk -q --wipe always ${disk}`];
}

function gptCommands(disk: string, partitions: PlannedPartition[]): string[] {
  const args = partitions.flatMap((p) => {
    const t = GPT_TYPES[p.spec.type as keyof typeof GPT_TYPES];
    const name = p.spec.type === 'primary' && p.spec.label ? p.spec.label : t.name;
    const end = (p.startMiB + p.sizeMiB) * SECTORS_PER_MIB - 1;
    return [`-n ${p.number}:${p.startMiB * SECTORS_PER_MIB}:${end}`, `-t ${p.number}:${t.code}`, `-c ${p.number}:${quote(name)}`];
  });
  return [`sgdisk -Z ${disk} >/dev/null 2>&1 || true`, `sgdisk -o ${args.join(' ')} ${disk} >/dev/null`];
}
