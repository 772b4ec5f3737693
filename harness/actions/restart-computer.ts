// Restart Computer (osd-behaviours §2.23): asks the engine to restart into the boot image or the hard disk.
import { catalogue } from './common.js';
import type { ActionModule } from './types.js';

export const restartComputer: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_RebootAction'),
  environments: ['WinPE', 'FullOS'],
  validate(ctx) {
    const target = (ctx.variable('SMSRebootTarget') ?? 'HD').toUpperCase();
    return target === 'HD' || target === 'WINPE' ? undefined : `SMSRebootTarget is "${target}"; allowed: HD, WinPE`;
  },
  async run(ctx) {
    const target = (ctx.variable('SMSRebootTarget') ?? 'HD').toUpperCase() === 'WINPE' ? 'WinPE' : 'FullOS';
    ctx.log.info(`Executing command line: smsboot.exe /target:${target === 'WinPE' ? 'WinPE' : 'HD'}`, 'commandline.cpp:229');
    return { exitCode: 0, restartTo: target };
  },
};
