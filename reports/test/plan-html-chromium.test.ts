// A real `osdlab plan` sweep's report.html in headless Chromium (no network): the completion-time histograms,
// the link and distribution-point utilisation of every sweep point, and the sweep charts with a line per
// transport (multicast off/on), laid out with a non-zero size and painted in the screenshot.
import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlanDocument } from '../../lab/index.js';
import { findChromium, measurePage, screenshot, type ChartMeasure, type PageMeasure } from './html-browser.js';
import { countColour, decodePng } from './html-png.js';

const chromium = findChromium();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const POINTS = ['clients=20, multicast=off', 'clients=20, multicast=on', 'clients=40, multicast=off', 'clients=40, multicast=on'];

/** What report.html says of each chart, in page order: its title and its series with their point counts. */
interface ChartSource {
  kind: string;
  title: string;
  series: { name: string; points: number; ys: Set<string> }[];
}

function chartSources(html: string): ChartSource[] {
  return html
    .split('<svg class="chart"')
    .slice(1)
    .map((svg) => ({
      kind: /data-chart="([^"]*)"/.exec(svg)![1]!,
      title: /aria-label="([^"]*)"/.exec(svg)![1]!,
      series: [...svg.matchAll(/<path class="series" data-name="([^"]*)" d="([^"]*)"/g)].map(([, name, d]) => {
        const points = [...d!.matchAll(/[ML]([\d.]+) ([\d.]+)/g)];
        return { name: name!, points: points.length, ys: new Set(points.map((p) => p[2]!)) };
      }),
    }));
}

describe('osdlab plan --sweep: report.html in headless Chromium', function () {
  this.timeout(180_000);
  let dir: string;
  let doc: PlanDocument;
  let html: string;
  let page: PageMeasure;
  let png: string;
  let sources: ChartSource[];
  const measured = (kind: string): { measure: ChartMeasure; source: ChartSource }[] =>
    page.charts.map((measure, i) => ({ measure, source: sources[i]! })).filter((c) => c.measure.chart === kind);

  before(async function () {
    if (!chromium) {
      console.warn('    chromium not installed (apt-get install chromium; scripts/debian-packages.txt lists it): browser tests skipped');
      this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'osdlab-plan-html-'));
    const out = join(dir, 'plan');
    const plan = await execa('node', ['bin/osdlab.js', 'plan', 'scenarios/branch-office-500-clients.yaml', '--sweep', 'clients=20,40', '--sweep', 'multicast=off,on', '--out', out], { cwd: ROOT, reject: false, all: true });
    expect(plan.exitCode, plan.all).to.equal(0);
    expect(plan.stdout).to.include(join(out, 'report.html'));
    doc = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8')) as PlanDocument;
    const file = join(out, 'report.html');
    html = await readFile(file, 'utf8');
    sources = chartSources(html);
    png = join(dir, 'plan.png');
    await screenshot(chromium!, file, png);
    page = await measurePage(chromium!, file);
    // The browser's charts and the file's, in the same order.
    expect(page.charts.map((c) => c.chart)).to.deep.equal(sources.map((s) => s.kind));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps plan.json and plan.csv beside report.html', async () => {
    expect(doc.rows.map((r) => r.parameters)).to.deep.equal(POINTS.map((p) => Object.fromEntries(p.split(', ').map((kv) => kv.split('=')).map(([k, v]) => [k, k === 'clients' ? Number(v) : v]))));
    const csv = await readFile(join(dir, 'plan', 'plan.csv'), 'utf8');
    expect(csv.trim().split('\n')).to.have.length(1 + POINTS.length);
  });

  it('draws a completion-time histogram per sweep point, every client in it, with its cumulative curve', () => {
    const histograms = measured('histogram');
    expect(histograms.map((h) => h.source.title)).to.deep.equal(POINTS.map((p, i) => `Completion times: BR (${p}) (${doc.rows[i]!.clients} clients)`));
    for (const { measure } of histograms) {
      expect(measure.width * measure.height).to.be.greaterThan(0);
      expect(Number(measure.data.clients)).to.be.oneOf([20, 40]);
      expect(measure.drawn.bin).to.equal(Number(measure.data.filled)).and.to.be.greaterThan(1);
      expect(measure.drawn.series, 'the cumulative curve').to.equal(1);
    }
  });

  it("draws the WAN link's and the distribution point's utilisation over time, a line of samples per sweep point", () => {
    const [links, dps, ...sweep] = measured('line');
    expect(sweep).to.have.length(4);
    for (const [chart, name] of [
      [links!, /^Link utilisation/],
      [dps!, /^Distribution point utilisation/],
    ] as const) {
      expect(chart.source.title).to.match(name);
      expect(chart.measure.width * chart.measure.height).to.be.greaterThan(0);
      expect(chart.measure.drawn.series).to.equal(POINTS.length);
      expect(chart.source.series.map((s) => s.name.replace(/^.* \((.*)\)$/, '$1'))).to.deep.equal(POINTS);
      for (const s of chart.source.series) expect(s.points, s.name).to.be.greaterThan(10);
    }
    expect(dps!.source.series.map((s) => s.name)).to.deep.equal(POINTS.map((p) => `DP01 (${p})`));
    // The 100 Mbit/s WAN link is busy and then idle: each line rises and falls.
    for (const s of links!.source.series) expect(s.ys.size, s.name).to.be.greaterThan(3);
  });

  it('draws p50, p90, p99 and max completion time against the client count, one line per transport', () => {
    const sweep = measured('line').slice(2);
    expect(sweep.map((c) => c.source.title)).to.deep.equal(['p50', 'p90', 'p99', 'max'].map((m) => `Completion time (${m}) vs clients`));
    for (const { measure, source } of sweep) {
      expect(measure.width * measure.height).to.be.greaterThan(0);
      expect(measure.drawn.series).to.equal(2);
      expect(source.series.map((s) => [s.name, s.points])).to.deep.equal([
        ['multicast=off', 2],
        ['multicast=on', 2],
      ]);
    }
    // The twin's answer the chart shows: at 40 clients the multicast OS image finishes well before unicast.
    const at40 = (m: string) => doc.rows.find((r) => r.parameters.clients === 40 && r.parameters.multicast === m)!;
    expect(at40('on').p90).to.be.lessThan(at40('off').p90);
  });

  it('paints the charts in the screenshot', async () => {
    const pixels = decodePng(await readFile(png));
    expect([pixels.width, pixels.height]).to.deep.equal([1400, 2000]);
    // The histograms' cumulative curves in the second series colour, and the third series' green: the WAN link
    // of 40 clients by unicast, busy for hours (drawn only in the utilisation charts).
    expect(countColour(pixels, '#e69f00')).to.be.greaterThan(2000);
    expect(countColour(pixels, '#009e73')).to.be.greaterThan(1000);
  });

  it('is self-contained: opened with no network, it loads nothing and refers to nothing outside itself', () => {
    expect(page.resources).to.deep.equal([]);
    expect(page.externalRefs).to.deep.equal([]);
    expect(page.violations).to.deep.equal([]);
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.to.match(/https?:\/\//);
  });
});
