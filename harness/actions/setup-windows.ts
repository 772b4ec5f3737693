// Setup Windows and ConfigMgr (osd-behaviours §2.26): the WinPE → full OS transition. In WinPE it prepares
// setup and asks for a retry after a restart into the new OS (the real log: "requested a retry"); run again
// in the full OS it installs the ConfigMgr client and completes.
import { catalogue } from './common.js';
import { stepSettings } from './settings.js';
import type { ActionModule } from './types.js';

export const setupWindowsAndConfigMgr: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_SetupWindowsAndSMSAction'),
  environments: ['WinPE', 'FullOS'],
  async run(ctx) {
    const phase = ctx.facts.environment === 'WinPE' ? 'windowsSetup' : 'configMgrClient';
    const settings = { ...stepSettings(ctx, setupWindowsAndConfigMgr), phase };
    const outcome = await ctx.machine.writeSettings({ kind: 'setupWindows', settings }, ctx.signal);
    if (outcome.exitCode !== 0 || phase === 'configMgrClient') return outcome;
    return { ...outcome, restartTo: 'FullOS', retry: true };
  },
};
