// The scenario's management point: computer records with their collections and boundary, the
// deployments (and All Unknown Computers), and content locations on the DPs the lab runs.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../../scenarios/index.js';
import { mpConfigFromScenario, policyFor, UNKNOWN_COMPUTERS_COLLECTION, type ManagementPointServerConfig, type MpComputer } from '../index.js';

const scenarioFile = (name: string) => fileURLToPath(new URL(`../../../scenarios/${name}.yaml`, import.meta.url));
/** Policy as the server answers it: content where the DP's initial packages say. */
const policyOf = (computer: MpComputer, config: ManagementPointServerConfig) =>
  policyFor(computer, {
    collections: config.collections,
    deployments: config.deployments,
    distributionPoints: config.distributionPoints,
    hasContent: (dp, pkg) => config.distributionPoints.some((d) => d.id === dp && d.packages.includes(pkg)),
  });

describe('lab/site: management point from a scenario', () => {
  it('gives the known computer its required deployment with content on the running DP', async () => {
    const scenario = await loadScenario(scenarioFile('bare-metal-uefi-gpt-pxe'));
    const config = mpConfigFromScenario(scenario, { dpUrls: { DP01: 'http://198.18.10.10' } });
    const pc = config.computers.find((c) => c.name === 'PC-UEFI-01')!;
    expect(pc).to.deep.include({ site: 'HQ', collections: ['OSD Bare Metal'], mac: '52:54:00:10:00:01' });
    const policy = policyOf(pc, config);
    expect(policy.deployments.map((d) => [d.id, d.mandatory])).to.deep.equal([['Deploy Windows 11 (UEFI)', true]]);
    expect(policy.deployments[0]!.contentLocations.LAB00003).to.deep.equal(['http://198.18.10.10/SMS_DP_SMSPKG$/LAB00003']);
    expect(policy.variables).to.include({ OSDDomainName: 'lab.example', OSDComputerName: 'PC-UEFI-01' });
  });

  it('leaves out DPs the lab does not run: no content location then', async () => {
    const scenario = await loadScenario(scenarioFile('bare-metal-uefi-gpt-pxe'));
    const config = mpConfigFromScenario(scenario, { dpUrls: {} });
    expect(config.distributionPoints).to.deep.equal([]);
    expect(policyOf(config.computers[0]!, config).deployments[0]!.contentLocations.LAB00003).to.deep.equal([]);
  });

  it('targets All Unknown Computers when the collection has unknown computers', async () => {
    const scenario = await loadScenario(scenarioFile('bare-metal-bios-mbr-media'));
    const config = mpConfigFromScenario(scenario, { dpUrls: { DP01: 'http://198.18.20.10' } });
    expect(config.deployments.map((d) => d.collection)).to.include(UNKNOWN_COMPUTERS_COLLECTION);
    const unknown = { name: 'MININT-1', site: 'HQ', collections: [UNKNOWN_COMPUTERS_COLLECTION] };
    expect(policyOf(unknown, config).deployments.map((d) => [d.id, d.mandatory])).to.deep.equal([['Deploy Windows 10 (BIOS)', false]]);
  });
});
