// Convert Disk to Dynamic (osd-behaviours §2.18).
import { catalogue, integer } from './common.js';
import type { ActionModule } from './types.js';

export const convertDiskToDynamic: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_ConvertDiskAction'),
  environments: ['WinPE', 'FullOS'],
  validate: (ctx) => (integer(ctx.variable('OSDConvertDiskIndex')) === undefined ? 'OSDConvertDiskIndex must name a disk number' : undefined),
  run: (ctx) => ctx.machine.convertDiskToDynamic(integer(ctx.variable('OSDConvertDiskIndex')) ?? 0, ctx.signal),
};
