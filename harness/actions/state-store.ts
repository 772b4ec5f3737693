// Request State Store and Release State Store (osd-behaviours §2.12–2.13): a slot on the state migration point.
import { catalogue, flag, integer } from './common.js';
import type { ActionModule } from './types.js';

export const requestStateStore: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_RequestStateStoreAction'),
  environments: ['WinPE', 'FullOS'],
  validate(ctx) {
    const count = integer(ctx.variable('OSDStateSMPRetryCount') ?? '3');
    const time = integer(ctx.variable('OSDStateSMPRetryTime') ?? '60');
    if (count === undefined || count < 0 || count > 600) return 'OSDStateSMPRetryCount must be 0 to 600';
    if (time === undefined || time < 0) return 'OSDStateSMPRetryTime must be a number of seconds';
    return undefined;
  },
  run: (ctx) =>
    ctx.machine.stateStore(
      {
        operation: (ctx.variable('OSDStateRequestType') ?? 'Capture').toLowerCase() === 'restore' ? 'restore' : 'capture',
        retryCount: integer(ctx.variable('OSDStateSMPRetryCount')) ?? 3,
        retryDelaySeconds: integer(ctx.variable('OSDStateSMPRetryTime')) ?? 60,
        fallbackToNetworkAccessAccount: flag(ctx.variable('OSDStateFallbackToNAA')),
      },
      ctx.signal,
    ),
};

export const releaseStateStore: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_ReleaseStateStoreAction'),
  environments: ['WinPE', 'FullOS'],
  // "The step before Release State Store must be successful" (osd-behaviours §1.3).
  validate: (ctx) =>
    ctx.variable('_SMSTSLastActionSucceeded') === 'false' ? 'The previous action failed; the state store cannot be released' : undefined,
  run: (ctx) => ctx.machine.stateStore({ operation: 'release', retryCount: 0, retryDelaySeconds: 0, fallbackToNetworkAccessAccount: false }, ctx.signal),
};
