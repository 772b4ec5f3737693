// Apply Driver Package (osd-behaviours §2.5): stage every driver of one package for Windows setup.
import { catalogue, flag, logDriverClient, packageContent } from './common.js';
import type { ActionContext, ActionModule } from './types.js';

function driverPackageId(ctx: ActionContext): string | undefined {
  return ctx.variable('OSDApplyDriverDriverPackageID') ?? /\/install:([A-Za-z0-9]{8})/i.exec(ctx.step.action)?.[1];
}

export const applyDriverPackage: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_ApplyDriverPackageAction'),
  environments: ['WinPE'],
  validate: (ctx) => (driverPackageId(ctx) ? undefined : 'The step names no driver package (OSDApplyDriverDriverPackageID)'),
  async run(ctx) {
    const packageId = driverPackageId(ctx);
    const content = await packageContent(ctx, packageId);
    if (content.failed) return content.failed;
    const outcome = await ctx.machine.applyDrivers({ mode: 'package', packageId, bestMatch: false, allowUnsigned: flag(ctx.variable('OSDAllowUnsignedDriver')) }, ctx.signal);
    logDriverClient(ctx, outcome);
    return outcome;
  },
};
