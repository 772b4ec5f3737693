// Auto Apply Drivers (osd-behaviours §2.6): match the catalog against the devices found; not on stand-alone media.
import { catalogue, flag, logDriverClient } from './common.js';
import type { ActionModule } from './types.js';

export const autoApplyDrivers: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_AutoApplyAction'),
  environments: ['WinPE'],
  validate: (ctx) =>
    ctx.facts.bootedFrom === 'standaloneMedia' ? 'Auto Apply Drivers is not supported on stand-alone media (use Apply Driver Package)' : undefined,
  async run(ctx) {
    const outcome = await ctx.machine.applyDrivers(
      {
        mode: 'auto',
        bestMatch: flag(ctx.variable('OSDAutoApplyDriverBestMatch'), true),
        allowUnsigned: flag(ctx.variable('OSDAllowUnsignedDriver')),
        categories: ctx.variable('OSDAutoApplyDriverCategoryList')?.split(',').map((c) => c.trim()).filter(Boolean),
      },
      ctx.signal,
    );
    logDriverClient(ctx, outcome);
    return outcome;
  },
};
