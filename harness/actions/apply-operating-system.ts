// Apply Operating System Image (osd-behaviours §2.1): wipes the volume (but ConfigMgr's control files).
import { catalogue } from './common.js';
import { applyImage } from './image.js';
import type { ActionModule } from './types.js';

export const applyOperatingSystemImage: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_ApplyOperatingSystemAction'),
  environments: ['WinPE'],
  run: (ctx) => applyImage(ctx, 'os', 'OSDImageIndex', true),
};
