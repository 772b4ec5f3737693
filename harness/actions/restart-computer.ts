// Restart Computer (osd-behaviours §2.23): asks the engine to restart into the boot image or the hard disk.
import { catalogue } from './common.js';
import type { ActionModule } from './types.js';

const DEFAULT_MESSAGE = 'This computer is being rebooted by the task sequence manager.';

export const restartComputer: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_RebootAction'),
  environments: ['WinPE', 'FullOS'],
  validate(ctx) {
    const target = (ctx.variable('SMSRebootTarget') ?? 'HD').toUpperCase();
    if (target !== 'HD' && target !== 'WINPE') return `SMSRebootTarget is "${target}"; allowed: HD, WinPE`;
    const timeout = ctx.variable('SMSRebootTimeout') ?? '0';
    if (!/^\d+$/.test(timeout.trim())) return `SMSRebootTimeout is "${timeout}"; a number of seconds is required`;
    return (ctx.variable('SMSRebootMessage') ?? '').length > 512 ? 'SMSRebootMessage is longer than 512 characters' : undefined;
  },
  async run(ctx) {
    const target = (ctx.variable('SMSRebootTarget') ?? 'HD').toUpperCase() === 'WINPE' ? 'WinPE' : 'FullOS';
    ctx.log.info(`Executing command line: smsboot.exe /target:${target === 'WinPE' ? 'WinPE' : 'HD'}`, 'commandline.cpp:229');
    const delay = Number(ctx.variable('SMSRebootTimeout') ?? '0');
    const message = ctx.variable('SMSRebootMessage');
    if (delay > 0) ctx.log.info(`Showing the restart notification for ${delay} seconds: ${message || DEFAULT_MESSAGE}`, 'rebootcomputer.cpp:184', 'Reboot');
    return { exitCode: 0, restartTo: target, restartDelaySeconds: Number.isFinite(delay) && delay > 0 ? delay : 0 };
  },
};
