// Check Readiness: the OSDCheck* switches compared against the machine's facts.
import { catalogue, flag, integer } from './common.js';
import type { ActionContext, ActionModule } from './types.js';

function problems(ctx: ActionContext): string[] {
  const f = ctx.facts;
  const out: string[] = [];
  const min = (check: string, value: string, actual: number, unit: string, what: string) => {
    const needed = integer(ctx.variable(value));
    if (flag(ctx.variable(check)) && needed !== undefined && actual < needed) out.push(`${what} ${actual} ${unit} is less than the required ${needed} ${unit}`);
  };
  min('OSDCheckMemory', 'OSDMemory', f.memoryMB, 'MB', 'Memory');
  min('OSDCheckProcessorSpeed', 'OSDProcessorSpeed', f.processorSpeedMHz, 'MHz', 'Processor speed');
  const free = Math.max(0, ...f.disks.flatMap((d) => d.partitions.map((p) => Math.floor((p.freeBytes ?? 0) / 2 ** 20))));
  min('OSDCheckFreeDiskSpace', 'OSDFreeDiskSpace', free, 'MB', 'Free disk space');
  if (flag(ctx.variable('OSDCheckDeviceUEFI')) && f.firmware !== 'uefi') out.push('The device is not running in UEFI mode');
  if (flag(ctx.variable('OSDCheckNetworkConnected')) && !f.networkAdapters.some((a) => a.ipAddress)) out.push('No network adapter is connected');
  const arch = ctx.variable('OSDOSArchitecture');
  if (flag(ctx.variable('OSDCheckOSArchitecture')) && arch && f.architecture !== arch.toLowerCase()) out.push(`The architecture is ${f.architecture}, not ${arch}`);
  return out;
}

export const checkReadiness: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_PrestartCheckAction'),
  environments: ['WinPE', 'FullOS'],
  async run(ctx) {
    const found = problems(ctx);
    for (const p of found) ctx.log.error(p, 'prestartcheck.cpp:211', 'OSDPrestartCheck');
    return found.length === 0 ? { exitCode: 0 } : { exitCode: 0x80004005, reason: found.join('; ') };
  },
};
