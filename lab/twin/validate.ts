// Cross-reference checks of the twin's configuration. The runner maps the field paths back to
// scenario lines; here they name the config field ("sites[0].pxeResponders[1].distributionPoint").

import { InputError, type InputProblem } from '../../scenarios/index.js';
import type { TwinWorldConfig } from './world.js';
import type { TwinMachineConfig } from './machine-config.js';

export function worldConfigProblems(config: TwinWorldConfig): InputProblem[] {
  const problems: InputProblem[] = [];
  const content = new Set(config.content.map((c) => c.packageId));
  const dps = new Set(config.sites.flatMap((s) => (s.distributionPoints ?? []).map((d) => d.id)));
  const nodes = new Set(config.sites.map((s) => s.id));
  const known = (set: Set<string>, what: string) => [...set].join(', ') || `no ${what}`;
  config.sites.forEach((site, si) => {
    (site.distributionPoints ?? []).forEach((dp, di) =>
      dp.packages.forEach((p, pi) => {
        if (!content.has(p)) problems.push({ path: `sites[${si}].distributionPoints[${di}].packages[${pi}]`, message: `unknown package "${p}"; known: ${known(content, 'packages')}` });
      }),
    );
    (site.pxeResponders ?? []).forEach((pxe, pi) => {
      const path = `sites[${si}].pxeResponders[${pi}]`;
      if (!dps.has(pxe.distributionPoint)) problems.push({ path: `${path}.distributionPoint`, message: `unknown distribution point "${pxe.distributionPoint}"; known: ${known(dps, 'distribution points')}` });
      for (const [arch, image] of Object.entries(pxe.bootImages)) {
        if (!content.has(image)) problems.push({ path: `${path}.bootImages.${arch}`, message: `unknown boot image "${image}"` });
      }
      (pxe.deployments ?? []).forEach((d, di) => {
        if (!content.has(d.bootImage)) problems.push({ path: `${path}.deployments[${di}].bootImage`, message: `unknown boot image "${d.bootImage}"` });
      });
    });
    for (const dpId of Object.keys(site.multicast ?? {})) {
      if (!dps.has(dpId)) problems.push({ path: `sites[${si}].multicast.${dpId}`, message: `unknown distribution point "${dpId}"` });
    }
  });
  (config.links ?? []).forEach((link, li) => {
    for (const end of ['from', 'to'] as const) {
      if (!nodes.has(link[end])) problems.push({ path: `links[${li}].${end}`, message: `unknown site "${link[end]}"; known: ${known(nodes, 'sites')}` });
    }
    if (!(link.bandwidthBps > 0)) problems.push({ path: `links[${li}].bandwidthBps`, message: `bandwidth must be positive, found ${link.bandwidthBps}` });
  });
  (config.distributionEvents ?? []).forEach((e, ei) => {
    if (!dps.has(e.distributionPoint)) problems.push({ path: `distributionEvents[${ei}].distributionPoint`, message: `unknown distribution point "${e.distributionPoint}"` });
    if (!content.has(e.packageId)) problems.push({ path: `distributionEvents[${ei}].packageId`, message: `unknown package "${e.packageId}"` });
  });
  return problems;
}

export function machineConfigProblems(config: TwinMachineConfig, world: TwinWorldConfig, path = 'machine'): InputProblem[] {
  const problems: InputProblem[] = [];
  if (!world.sites.some((s) => s.id === config.site)) problems.push({ path: `${path}.site`, message: `unknown site "${config.site}"` });
  if (config.disks.length === 0) problems.push({ path: `${path}.disks`, message: 'a machine needs at least one disk' });
  if (config.bootOrder.includes('media') && !config.media) problems.push({ path: `${path}.bootOrder`, message: 'boots from media but no media is attached' });
  if (config.media && !world.content.some((c) => c.packageId === config.media!.bootImage)) {
    problems.push({ path: `${path}.media.bootImage`, message: `unknown boot image "${config.media.bootImage}"` });
  }
  return problems;
}

export function assertValid(problems: InputProblem[]): void {
  if (problems.length > 0) throw new InputError(problems);
}
