// Format and Partition Disk (osd-behaviours §2.17): OSDPartitions<n>* array variables → one osddiskpart request.
import type { FileSystem, PartitionSpec } from '../machine.js';
import { catalogue, flag, integer } from './common.js';
import type { ActionContext, ActionModule } from './types.js';

const TYPES: Record<string, PartitionSpec['type']> = {
  primary: 'primary', extended: 'extended', logical: 'logical', efi: 'efi', msr: 'msr', recovery: 'recovery', hidden: 'primary',
};

/** The partition list, or the problem with it (named by its variable). */
export function partitionSpecs(ctx: ActionContext): PartitionSpec[] | string {
  const count = integer(ctx.variable('OSDPartitions'));
  if (count === undefined || count < 1) return 'OSDPartitions must give the number of partitions (1 or more)';
  const specs: PartitionSpec[] = [];
  for (let n = 0; n < count; n++) {
    const v = (prop: string) => ctx.variable(`OSDPartitions${n}${prop}`);
    const type = TYPES[(v('Type') ?? '').toLowerCase()];
    if (!type) return `OSDPartitions${n}Type is "${v('Type') ?? ''}"; allowed: Primary, Extended, Logical, Hidden, EFI, MSR, Recovery`;
    const fs = v('FileSystem')?.toUpperCase();
    if (fs !== undefined && fs !== '' && fs !== 'NTFS' && fs !== 'FAT32') return `OSDPartitions${n}FileSystem is "${fs}"; allowed: NTFS, FAT32`;
    const sizeText = v('Size');
    let size: PartitionSpec['size'] = 'remaining';
    if (sizeText !== undefined && sizeText !== '') {
      const value = Number(sizeText);
      const unitText = (v('SizeUnits') ?? 'MB').toUpperCase();
      const unit = unitText === '%' || unitText === 'PERCENT' ? 'PERCENT' : unitText;
      if (!Number.isFinite(value) || value <= 0) return `OSDPartitions${n}Size is "${sizeText}"; a positive number is required`;
      if (unit !== 'MB' && unit !== 'GB' && unit !== 'PERCENT') return `OSDPartitions${n}SizeUnits is "${unitText}"; allowed: MB, GB, Percent`;
      // 100 percent of what is left is what the console writes for "use all remaining space".
      size = unit === 'PERCENT' && value >= 100 ? 'remaining' : { value, unit };
    }
    specs.push({
      type,
      size,
      fileSystem: fs ? (fs.toLowerCase() as FileSystem) : undefined,
      quickFormat: flag(v('QuickFormat'), true),
      label: v('VolumeName') || undefined,
      bootable: flag(v('Bootable')),
      letterVariable: v('VolumeLetterVariable') || undefined,
    });
  }
  return specs;
}

export const formatAndPartitionDisk: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_PartitionDiskAction'),
  environments: ['WinPE'],
  validate(ctx) {
    const style = (ctx.variable('OSDPartitionStyle') ?? 'MBR').toUpperCase();
    if (style !== 'MBR' && style !== 'GPT') return `OSDPartitionStyle is "${style}"; allowed: MBR, GPT`;
    if (integer(ctx.variable('OSDDiskIndex')) === undefined) return `OSDDiskIndex is "${ctx.variable('OSDDiskIndex') ?? ''}"; a disk number is required`;
    const specs = partitionSpecs(ctx);
    return typeof specs === 'string' ? specs : undefined;
  },
  async run(ctx) {
    const partitions = partitionSpecs(ctx) as PartitionSpec[];
    const diskIndex = integer(ctx.variable('OSDDiskIndex')) ?? 0;
    const style = (ctx.variable('OSDPartitionStyle') ?? 'MBR').toUpperCase() === 'GPT' ? 'gpt' : 'mbr';
    const diskType = (ctx.variable('OSDDiskType') ?? 'BASIC').toUpperCase() === 'DYNAMIC' ? 'dynamic' : 'basic';
    ctx.log.info(`Executing command line: osddiskpart.exe (disk ${diskIndex}, ${style.toUpperCase()}, ${partitions.length} partition(s))`, 'commandline.cpp:229');
    const outcome = await ctx.machine.partitionDisk({ diskIndex, style, diskType, partitions }, ctx.signal);
    for (const line of outcome.output ?? []) ctx.log.info(line, 'diskpart.cpp:1000', 'OSDDiskPart');
    return outcome;
  },
};
