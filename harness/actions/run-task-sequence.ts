// Run Task Sequence: the child sequence runs in this environment, its variables shared with the parent.
import { catalogue } from './common.js';
import type { ActionContext, ActionModule } from './types.js';

function childPackageId(ctx: ActionContext): string | undefined {
  return ctx.variable('OSDSubTasksequencePackageID') ?? ctx.variable('OSDSubTasksequenceTsName')?.split(',')[0]?.trim();
}

export const runTaskSequence: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_SubTasksequence'),
  environments: ['WinPE', 'FullOS'],
  validate: (ctx) => (childPackageId(ctx) ? undefined : 'The step names no task sequence (OSDSubTasksequencePackageID)'),
  run: (ctx) => ctx.runChild(childPackageId(ctx) ?? ''),
};
