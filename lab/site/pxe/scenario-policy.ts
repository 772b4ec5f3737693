// A scenario's distribution point as the settings of its PXE responder and TFTP server: who is
// known (computer records by name, MAC and SMBIOS GUID), which deployments are available to PXE
// and whom they target, the boot images on the DP per architecture, delay, password and the
// RamDisk TFTP block and window sizes.
import { InputError, type Scenario } from '../../../scenarios/index.js';
import type { Architecture } from '../../../harness/index.js';
import type { PxeDeployment } from '../../twin/index.js';
import type { PxePolicy } from './decision.js';

export interface DistributionPointPxe {
  policy: PxePolicy;
  responseDelayMs: number;
  /** BIOS machines' CPU architecture by MAC (lower case), standing in for wdsnbp.com's detection. */
  biosArchitectures: Record<string, Architecture>;
  tftp: { maxBlockSize: number; maxWindowSize: number };
}

export function pxeSettingsFromScenario(scenario: Scenario, distributionPoint: string): DistributionPointPxe {
  const dp = scenario.site.distributionPoints.find((d) => d.name === distributionPoint);
  if (!dp) {
    throw new InputError({ file: scenario.file, path: 'site.distributionPoints', message: `found no distribution point "${distributionPoint}"; allowed: ${scenario.site.distributionPoints.map((d) => d.name).join(', ') || '(none)'}` });
  }
  const pxe = dp.pxe;
  const forPxe = scenario.deployments.filter((d) => d.availableTo !== 'clients' && d.bootImage !== undefined);
  const onDp = scenario.content.bootImages.filter((b) => b.distributionPoints.includes(dp.name));
  const wanted = new Set(forPxe.map((d) => d.bootImage));
  const bootImages: Partial<Record<Architecture, string>> = {};
  for (const arch of ['x86', 'x64'] as const) {
    const image = onDp.find((b) => b.arch === arch && wanted.has(b.id)) ?? onDp.find((b) => b.arch === arch);
    if (image) bootImages[arch] = image.id;
  }
  const identities = (name: string): string[] => {
    const c = scenario.computers.find((r) => r.name === name);
    return c ? [c.name, ...(c.mac ? [c.mac] : []), ...(c.smbiosGuid ? [c.smbiosGuid] : [])] : [];
  };
  const deployments: PxeDeployment[] = forPxe.flatMap((d) => {
    const collection = scenario.collections.find((c) => c.name === d.collection);
    const base = { id: d.name, bootImage: d.bootImage!, required: d.purpose === 'required' };
    const targets = (collection?.members ?? []).flatMap(identities);
    return [...(targets.length > 0 ? [{ ...base, targets }] : []), ...(collection?.unknownComputers ? [{ ...base, targets: 'unknownComputers' as const }] : [])];
  });
  const biosArchitectures = Object.fromEntries(scenario.machines.filter((m) => m.firmware === 'bios').map((m) => [m.nic.mac.toLowerCase(), m.arch]));
  return {
    policy: {
      enabled: pxe?.enabled ?? false,
      unknownComputerSupport: pxe?.unknownComputerSupport ?? false,
      ...(pxe?.password !== undefined ? { password: pxe.password } : {}),
      bootImages,
      distributionPoint: dp.name,
      deployments,
      knownComputers: scenario.computers.flatMap((c) => identities(c.name)),
    },
    responseDelayMs: pxe?.responseDelay ?? 0,
    biosArchitectures,
    tftp: { maxBlockSize: pxe?.tftpBlockSize ?? 4096, maxWindowSize: pxe?.tftpWindowSize ?? 1 },
  };
}
