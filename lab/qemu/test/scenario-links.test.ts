import { expect } from 'chai';
import { loadScenario } from '../../../scenarios/index.js';
import { scenarioWanLinks } from '../scenario-links.js';

describe('lab/qemu scenario WAN links', () => {
  it('puts the branch behind the link, the management point\'s boundary being the hub, with the link\'s units converted', async () => {
    const scenario = await loadScenario('scenarios/branch-office-500-clients.yaml');
    const links = scenarioWanLinks(scenario, new Map([['HQ', 'b0'], ['BRANCH', 'b1']]));
    expect(links).to.have.length(1);
    expect(links[0]!.hub).to.equal('HQ');
    expect(links[0]!.branch).to.equal('BRANCH');
    expect(links[0]!.shaping.rateKbit).to.equal(100_000);
    expect(links[0]!.shaping.delayMs).to.equal(20);
    expect(links[0]!.shaping.lossPercent).to.be.closeTo(0.1, 1e-9);
  });

  it('leaves out links to boundaries that are not on the lab network', async () => {
    const scenario = await loadScenario('scenarios/branch-office-500-clients.yaml');
    expect(scenarioWanLinks(scenario, new Map([['HQ', 'b0']]))).to.deep.equal([]);
  });
});
