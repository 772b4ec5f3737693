// Capture User State and Restore User State (osd-behaviours §2.10–2.11): USMT against the store
// Request State Store (or Set Local State Location) named in OSDStateStorePath.
import type { RunEnvironment, UserStateRequest } from '../machine.js';
import { catalogue, flag } from './common.js';
import type { ActionContext, ActionModule } from './types.js';

function request(ctx: ActionContext, operation: UserStateRequest['operation']): UserStateRequest {
  const storePath = ctx.variable('OSDStateStorePath');
  const local = storePath !== undefined && !storePath.startsWith('\\\\');
  return {
    operation,
    storeLocation: local ? 'local' : 'stateMigrationPoint',
    hardLinks: flag(ctx.variable('_OSDMigrateUseHardlinks')),
    storePath: storePath ? ctx.expand(storePath) : undefined,
    continueOnError: flag(ctx.variable(operation === 'capture' ? 'OSDMigrateContinueOnLockedFiles' : 'OSDMigrateContinueOnRestore'), true),
  };
}

function userStateAction(className: string, operation: UserStateRequest['operation'], environments: RunEnvironment[]): ActionModule {
  return {
    stepType: catalogue(className),
    environments,
    validate: (ctx) => (ctx.variable('OSDStateStorePath') ? undefined : 'OSDStateStorePath is not set: request a state store or set a local state location first'),
    run: (ctx) => ctx.machine.userState(request(ctx, operation), ctx.signal),
  };
}

export const captureUserState = userStateAction('SMS_TaskSequence_CaptureUserStateAction', 'capture', ['WinPE', 'FullOS']);
export const restoreUserState = userStateAction('SMS_TaskSequence_RestoreUserStateAction', 'restore', ['FullOS']);
