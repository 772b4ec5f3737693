// Capture Operating System Image (osd-behaviours §2.7): a WIM of the volume to a UNC share.
import { catalogue, missing } from './common.js';
import type { ActionModule } from './types.js';

export const captureOperatingSystemImage: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_CaptureSystemImageAction'),
  environments: ['WinPE'],
  validate: (ctx) => (ctx.variable('OSDCaptureDestination') ? undefined : missing('OSDCaptureDestination')),
  run: (ctx) =>
    ctx.machine.captureImage(
      {
        destination: ctx.expand(ctx.variable('OSDCaptureDestination') ?? ''),
        name: ctx.variable('OSDImageName'),
        description: ctx.variable('OSDImageDescription'),
        version: ctx.variable('OSDImageVersion'),
        creator: ctx.variable('OSDImageCreator'),
      },
      ctx.signal,
    ),
};
