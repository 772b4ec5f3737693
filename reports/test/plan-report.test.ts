// The capacity page of a plan's report.html from real twin plans of the branch-office scenario: plan.json's
// report as it is without a sweep; with one, every sweep point's utilisation and all four percentiles.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { parseSweep, planCapacity, planReport, scenarioVariant, type PlanDocument, type PlanPointUtilisation } from '../../lab/index.js';
import { loadScenario, type Scenario } from '../../scenarios/index.js';

const BRANCH = fileURLToPath(new URL('../../scenarios/branch-office-500-clients.yaml', import.meta.url));

async function plan(scenario: Scenario, sweeps: string[]): Promise<{ doc: PlanDocument; runs: PlanPointUtilisation[] }> {
  const runs: PlanPointUtilisation[] = [];
  const doc = await planCapacity(scenario, sweeps.map(parseSweep), { onRun: (point, run) => runs.push({ point, utilisation: run.utilisation }) });
  return { doc, runs };
}

describe('planReport: the capacity page of a plan', function () {
  this.timeout(60_000);
  let scenario: Scenario;

  before(async () => {
    scenario = await loadScenario(BRANCH);
  });

  it("without a sweep, draws plan.json's own report: its completion times and the run's link and DP utilisation", async () => {
    const { doc, runs } = await plan(scenarioVariant(scenario, { clients: 8 }), []);
    const report = planReport(doc, runs);
    expect(report).to.deep.equal(doc.report);
    expect(report.completion!.map((c) => c.completionSeconds.length)).to.deep.equal([8]);
    expect(report.links).to.have.length(1);
    expect(report.links!.map((l) => l.name)).to.deep.equal(runs[0]!.utilisation.filter((t) => t.kind === 'link').map((t) => t.name));
    expect(report.distributionPoints!.map((d) => d.name)).to.deep.equal(['DP01']);
    expect(report.sweep).to.equal(undefined);
  });

  it("with a sweep, adds every point's link and DP series, named by the point, and charts all four percentiles", async () => {
    const { doc, runs } = await plan(scenario, ['clients=4,8', 'multicast=off,on']);
    const before = JSON.stringify(doc);
    const report = planReport(doc, runs);
    expect(JSON.stringify(doc), 'plan.json stays as it is').to.equal(before);
    expect(doc.report.links).to.equal(undefined);

    const points = ['clients=4, multicast=off', 'clients=4, multicast=on', 'clients=8, multicast=off', 'clients=8, multicast=on'];
    const link = runs[0]!.utilisation.find((t) => t.kind === 'link')!.name;
    expect(report.links!.map((s) => s.name)).to.deep.equal(points.map((p) => `${link} (${p})`));
    expect(report.distributionPoints!.map((s) => s.name)).to.deep.equal(points.map((p) => `DP01 (${p})`));
    // Each series is the run's own samples; the WAN link carried the unicast content of every point.
    report.links!.forEach((s, i) => {
      const track = runs[i]!.utilisation.find((t) => t.kind === 'link')!;
      expect(s.points).to.deep.equal(track.points);
      expect(Math.max(...s.points.map((p) => p.utilisation))).to.be.greaterThan(0.2);
    });
    expect(report.sweep!.metrics).to.deep.equal(['p50', 'p90', 'p99', 'max']);
    expect(report.sweep!.rows).to.deep.equal(doc.report.sweep!.rows);
    expect(report.completion).to.deep.equal(doc.report.completion);
  });

  it('refuses utilisation that does not match the sweep points', async () => {
    const { doc, runs } = await plan(scenario, ['clients=2,3']);
    expect(() => planReport(doc, runs.slice(1))).to.throw('2 sweep points but utilisation of 1');
  });
});
