// `osdlab plan` through the real CLI (child processes): the shipped branch-office example prints the
// distribution, per-phase times, utilisation and cache failures and writes plan.json/plan.csv/report.html; the
// same seed writes byte-identical plan.json; a sweep writes one row per combination; mistakes exit 2.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlanDocument } from '../../lab/index.js';
import { runCli } from './run-cli.js';

const EXAMPLE = fileURLToPath(new URL('../../scenarios/branch-office-500-clients.yaml', import.meta.url));

describe('osdlab plan (child process)', function () {
  this.timeout(120_000);
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'osdlab-plan-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('plans the 500-client branch example: summary on stdout, plan.json, plan.csv and report.html; same seed → byte-identical plan.json', async () => {
    const a = await runCli(['plan', EXAMPLE, '--out', join(tmp, 'a'), '--seed', '3']);
    expect(a.exitCode, a.stderr).to.equal(0);
    expect(a.stdout).to.match(/clients: 500 \(500 success\)/);
    expect(a.stdout).to.match(/completion from the start: p50 \S.*, p90 .*, p99 .*, max /);
    expect(a.stdout).to.match(/^\s+bootImage\s+500\s/m);
    expect(a.stdout).to.match(/^\s+osImage\s+500\s/m);
    expect(a.stdout).to.match(/^\s+HQ→BRANCH\s+100 Mbit\/s\s+\d+%/m);
    expect(a.stdout).to.match(/cache failures: 0/);
    const doc = JSON.parse(await readFile(join(tmp, 'a', 'plan.json'), 'utf8')) as PlanDocument;
    expect(doc.seed).to.equal(3);
    expect(doc.report.completion![0]!.completionSeconds).to.have.length(500);
    expect(doc.report.links!.map((l) => l.name)).to.include('HQ→BRANCH');
    expect(doc.rows).to.have.length(1);
    const csv = (await readFile(join(tmp, 'a', 'plan.csv'), 'utf8')).trim().split('\n');
    expect(csv).to.have.length(2);
    expect(csv[1]!.split(',')[0]).to.equal('500');
    // report.html beside them: the distribution of all 500 clients, the WAN link and DP utilisation, no sweep.
    const html = await readFile(join(tmp, 'a', 'report.html'), 'utf8');
    expect(html).to.match(/data-chart="histogram"[^>]*data-clients="500"/);
    expect(html).to.include('<path class="series" data-name="HQ→BRANCH"').and.include('<path class="series" data-name="DP01"');
    expect(html).to.include('<span class="badge success">pass</span>').and.not.include('<h3>Sweep</h3>');
    const b = await runCli(['plan', EXAMPLE, '--out', join(tmp, 'b'), '--seed', '3']);
    expect(b.exitCode, b.stderr).to.equal(0);
    expect(await readFile(join(tmp, 'b', 'plan.json'), 'utf8')).to.equal(await readFile(join(tmp, 'a', 'plan.json'), 'utf8'));
  });

  it('--sweep writes one row per combination (cartesian product) with p50/p90/p99/max, and its charts', async () => {
    const text = (await readFile(EXAMPLE, 'utf8')).replace('count: 500', 'count: 20');
    const file = join(tmp, 'small.yaml');
    await writeFile(file, text);
    const r = await runCli(['plan', file, '--out', join(tmp, 'sweep'), '--sweep', 'clients=10..30:10', '--sweep', 'multicast=on,off']);
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/sweep over clients × multicast: 6 runs/);
    const doc = JSON.parse(await readFile(join(tmp, 'sweep', 'plan.json'), 'utf8')) as PlanDocument;
    expect(doc.report.sweep!.parameters).to.deep.equal(['clients', 'multicast']);
    expect(doc.rows.map((row) => row.parameters)).to.deep.equal([10, 20, 30].flatMap((clients) => ['on', 'off'].map((multicast) => ({ clients, multicast }))));
    for (const row of doc.rows) {
      expect(row.clients).to.equal(row.parameters.clients);
      expect(row.p50).to.be.at.most(row.p90);
      expect(row.p90).to.be.at.most(row.p99);
      expect(row.p99).to.be.at.most(row.max);
    }
    const csv = (await readFile(join(tmp, 'sweep', 'plan.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).to.match(/^clients,multicast,machines,succeeded,/);
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).to.deep.equal(['10,on', '10,off', '20,on', '20,off', '30,on', '30,off']);
    // report.html: a histogram per run; link, DP and the four percentile-vs-clients charts.
    const html = await readFile(join(tmp, 'sweep', 'report.html'), 'utf8');
    expect(html.match(/data-chart="histogram"/g)).to.have.length(6);
    expect(html.match(/data-chart="line"/g)).to.have.length(6);
  });

  it('usage mistakes exit 2 with the option named', async () => {
    const sweep = await runCli(['plan', EXAMPLE, '--out', join(tmp, 'x'), '--sweep', 'speed=1,2']);
    expect(sweep.exitCode).to.equal(2);
    expect(sweep.stderr).to.match(/^--sweep: "speed" is not a sweep parameter; allowed: clients, multicast/);
    const seed = await runCli(['plan', EXAMPLE, '--seed', 'abc']);
    expect(seed.exitCode).to.equal(2);
    expect(seed.stderr).to.match(/^--seed: /);
    const tftp = await runCli(['plan', EXAMPLE, '--out', join(tmp, 'y'), '--sweep', 'tftpBlockSize=4096,8192']);
    expect(tftp.exitCode).to.equal(2);
    expect(tftp.stderr).to.match(/no PXE-enabled distribution points/);
  });
});
