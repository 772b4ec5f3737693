// A scenario's management point as the configuration of ManagementPointServer: the computer records
// (with the collections they are members of and the boundary of the machine that carries them), the
// collections and their variables, the deployments, and the distribution points the lab runs with
// the packages distributed to each. A collection with "unknown computers" stands for ConfigMgr's
// All Unknown Computers, which the MP puts every registered unknown computer in.
import type { Scenario } from '../../../scenarios/index.js';
import type { ManagementPointServerConfig } from './server.js';
import { UNKNOWN_COMPUTERS_COLLECTION } from './server.js';
import type { MpCollection, MpComputer, MpDeployment, MpDistributionPoint } from './policy.js';

export interface MpScenarioOptions {
  /** Base URL of each distribution point the lab runs, by name; DPs without one are left out. */
  dpUrls: Record<string, string>;
  host?: string;
  port?: number;
  accessLogPath?: string;
  statusLogPath?: string;
}

const sameMac = (a: string, b: string) => a.toLowerCase().replace(/[-:]/g, '') === b.toLowerCase().replace(/[-:]/g, '');

export function mpConfigFromScenario(scenario: Scenario, options: MpScenarioOptions): ManagementPointServerConfig {
  const mpBoundary = scenario.site.managementPoint?.boundary ?? '';
  const content = [...scenario.content.bootImages, ...scenario.content.osImages, ...scenario.content.driverPackages, ...scenario.content.packages];
  const computers: MpComputer[] = scenario.computers.map((c) => {
    const machine = scenario.machines.find((m) => m.name === c.name || (c.mac !== undefined && sameMac(m.nic.mac, c.mac)) || (c.smbiosGuid !== undefined && m.smbios.uuid.toLowerCase() === c.smbiosGuid.toLowerCase()));
    return {
      name: c.name,
      ...(c.mac ? { mac: c.mac } : {}),
      ...(c.smbiosGuid ? { smbiosGuid: c.smbiosGuid } : {}),
      site: machine?.boundary ?? mpBoundary,
      collections: scenario.collections.filter((k) => k.members.includes(c.name)).map((k) => k.name),
      variables: c.variables,
    };
  });
  const collections: MpCollection[] = scenario.collections.map((k) => ({ id: k.name, name: k.name, variables: k.variables }));
  const deployments: MpDeployment[] = scenario.deployments.flatMap((d) => {
    const collection = scenario.collections.find((k) => k.name === d.collection);
    const inline = d.taskSequence.kind === 'inline' ? d.taskSequence.content.packageId : undefined;
    const base = {
      id: d.name,
      taskSequence: typeof inline === 'string' ? inline : d.name,
      mandatory: d.purpose === 'required',
      // The task sequence's references are not resolved here: every package of the scenario.
      packages: content.map((p) => p.id),
      allowRemoteDp: d.fallbackToRemoteDp,
    };
    return [{ ...base, collection: d.collection }, ...(collection?.unknownComputers ? [{ ...base, collection: UNKNOWN_COMPUTERS_COLLECTION }] : [])];
  });
  const distributionPoints: MpDistributionPoint[] = scenario.site.distributionPoints
    .filter((dp) => options.dpUrls[dp.name] !== undefined)
    .map((dp) => ({ id: dp.name, site: dp.boundary ?? '', url: options.dpUrls[dp.name]!, packages: content.filter((p) => p.distributionPoints.includes(dp.name)).map((p) => p.id) }));
  return {
    siteCode: scenario.site.code,
    computers,
    collections,
    deployments,
    distributionPoints,
    unknownComputerSite: mpBoundary,
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.accessLogPath !== undefined ? { accessLogPath: options.accessLogPath } : {}),
    ...(options.statusLogPath !== undefined ? { statusLogPath: options.statusLogPath } : {}),
  };
}
