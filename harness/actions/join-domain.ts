// Join Domain or Workgroup (osd-behaviours §2.22): restarts afterwards unless OSDJoinSkipReboot is true.
import { catalogue, flag } from './common.js';
import { stepSettings } from './settings.js';
import type { ActionModule } from './types.js';

export const joinDomainOrWorkgroup: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_JoinDomainWorkgroupAction'),
  environments: ['FullOS'],
  validate(ctx) {
    const type = ctx.variable('OSDJoinType') ?? '1';
    if (type !== '0' && type !== '1') return `OSDJoinType is "${type}"; allowed: 0 (domain), 1 (workgroup)`;
    if (type === '0' && !ctx.variable('OSDJoinDomainName')) return 'OSDJoinType is 0 (domain) but OSDJoinDomainName is not set';
    if (type === '0' && !ctx.variable('OSDJoinPassword')) return 'OSDJoinPassword is required to join a domain';
    return undefined;
  },
  async run(ctx) {
    const outcome = await ctx.machine.writeSettings({ kind: 'join', settings: stepSettings(ctx, joinDomainOrWorkgroup) }, ctx.signal);
    if (outcome.exitCode !== 0 || flag(ctx.variable('OSDJoinSkipReboot'))) return outcome;
    return { ...outcome, restartTo: 'FullOS' };
  },
};
