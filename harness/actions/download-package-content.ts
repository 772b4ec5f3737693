// Download Package Content: each listed package into the TS cache, client cache or a custom path;
// locations go to <DestinationVariable>01, 02, … as the real step does.
import type { ContentRequest } from '../machine.js';
import { catalogue, flag } from './common.js';
import type { ActionModule } from './types.js';

const DESTINATIONS: Record<string, ContentRequest['destination']> = { tscache: 'tsCache', ccmcache: 'ccmCache', custom: 'custom' };

export const downloadPackageContent: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_DownloadPackageContentAction'),
  environments: ['WinPE', 'FullOS'],
  validate(ctx) {
    if (!ctx.variable('OSDDownloadDownloadPackages')) return 'OSDDownloadDownloadPackages lists no package';
    const type = (ctx.variable('OSDDownloadDestinationLocationType') ?? 'TSCache').toLowerCase();
    if (!DESTINATIONS[type]) return `OSDDownloadDestinationLocationType is "${type}"; allowed: TSCache, CCMCache, Custom`;
    if (type === 'custom' && !ctx.variable('OSDDownloadDestinationPath')) return 'OSDDownloadDestinationPath is required for a custom destination';
    return undefined;
  },
  async run(ctx) {
    const packages = (ctx.variable('OSDDownloadDownloadPackages') ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const destination = DESTINATIONS[(ctx.variable('OSDDownloadDestinationLocationType') ?? 'TSCache').toLowerCase()];
    const customPath = ctx.variable('OSDDownloadDestinationPath');
    const baseVariable = ctx.variable('OSDDownloadDestinationVariable');
    const continueOnError = flag(ctx.variable('OSDDownloadContinueDownloadOnError'));
    let firstFailure: number | undefined;
    for (const [i, packageId] of packages.entries()) {
      const outcome = await ctx.machine.downloadContent(
        { packageId, mode: 'downloadAll', destination, customPath: customPath ? ctx.expand(customPath) : undefined },
        ctx.signal,
      );
      if (outcome.exitCode !== 0) {
        ctx.log.error(`Failed to download package ${packageId} (exit code ${outcome.exitCode})`, 'downloadcontent.cpp:1004', 'OSDDownloadContent');
        if (!continueOnError) return { ...outcome, reason: `Failed to download package ${packageId}` };
        firstFailure ??= outcome.exitCode;
        continue;
      }
      if (baseVariable && outcome.location) ctx.setVariable(`${baseVariable}${String(i + 1).padStart(2, '0')}`, outcome.location);
    }
    return { exitCode: firstFailure ?? 0 };
  },
};
