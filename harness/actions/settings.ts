// Actions that leave settings for Windows setup or the running OS: the step's own variables are the settings.
import type { RunEnvironment, SettingsRequest } from '../machine.js';
import { catalogue } from './common.js';
import type { ActionContext, ActionModule } from './types.js';

/** Every catalogue variable of the step with the value the step sees (expanded), skipping unset ones. */
export function stepSettings(ctx: ActionContext, module: ActionModule): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of module.stepType.variables) {
    const value = ctx.variable(v.name);
    if (value !== undefined) out[v.name] = ctx.expand(value);
  }
  return out;
}

export function settingsAction(
  className: string,
  kind: SettingsRequest['kind'],
  environments: readonly RunEnvironment[],
  validate?: ActionModule['validate'],
): ActionModule {
  const module: ActionModule = {
    stepType: catalogue(className),
    environments,
    validate,
    run: (ctx) => ctx.machine.writeSettings({ kind, settings: stepSettings(ctx, module) }, ctx.signal),
  };
  return module;
}

export const applyWindowsSettings = settingsAction('SMS_TaskSequence_ApplyWindowsSettingsAction', 'windows', ['WinPE']);

export const applyNetworkSettings = settingsAction('SMS_TaskSequence_ApplyNetworkSettingsAction', 'network', ['WinPE'], (ctx) =>
  // "You must specify either this value, or the OSDDomainName value" (osd-behaviours §2.4).
  ctx.variable('OSDNetworkJoinType') === '0' && !ctx.variable('OSDDomainName')
    ? 'OSDNetworkJoinType is 0 (domain) but OSDDomainName is not set'
    : undefined,
);
