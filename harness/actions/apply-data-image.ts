// Apply Data Image (osd-behaviours §2.2): wipes the partition only when OSDWipeDestinationPartition is true.
import { catalogue, flag } from './common.js';
import { applyImage } from './image.js';
import type { ActionModule } from './types.js';

export const applyDataImage: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_ApplyDataImageAction'),
  environments: ['WinPE'],
  run: (ctx) => applyImage(ctx, 'data', 'OSDDataImageIndex', flag(ctx.variable('OSDWipeDestinationPartition'), true)),
};
