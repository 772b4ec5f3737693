// The HTML report in a real browser: headless Debian Chromium opens the file with no network (its own network
// namespace), takes a screenshot, and reports the laid-out size of every chart and of the bars and series in it.
import { expect } from 'chai';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario, type ScenarioRun } from '../../harness/index.js';
import { TwinBackend } from '../../lab/index.js';
import { loadScenario } from '../../scenarios/index.js';
import { renderHtmlReport, reportData } from '../index.js';
import { findChromium, measurePage, screenshot, type ChartMeasure, type PageMeasure } from './html-browser.js';
import { capacityFixture, runReportFixture, type ReportFixture } from './html-fixtures.js';
import { countColour, decodePng } from './html-png.js';

const chromium = findChromium();
const EXAMPLE = fileURLToPath(new URL('../../scenarios/bare-metal-uefi-gpt-pxe.yaml', import.meta.url));

const charts = (page: PageMeasure, kind: string): ChartMeasure[] => page.charts.filter((c) => c.chart === kind);

describe('HTML report in headless Chromium', function () {
  this.timeout(120_000);
  let dir: string;
  let fixture: ReportFixture;
  let run: { html: string; png: string; page: PageMeasure };
  let capacity: { html: string; png: string; page: PageMeasure };
  let twin: { html: string; png: string; page: PageMeasure };
  let twinRun: ScenarioRun;

  before(async function () {
    if (!chromium) {
      console.warn('    chromium not installed (apt-get install chromium; scripts/debian-packages.txt lists it): browser tests skipped');
      this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'osdlab-html-'));
    fixture = await runReportFixture();
    const open = async (name: string, html: string) => {
      const file = join(dir, `${name}.html`);
      const png = join(dir, `${name}.png`);
      await writeFile(file, html);
      await screenshot(chromium!, file, png);
      return { html: file, png, page: await measurePage(chromium!, file) };
    };
    run = await open('run', renderHtmlReport(fixture.input));
    capacity = await open('capacity', renderHtmlReport({ result: { ...fixture.input.result, pass: true, machines: [] }, capacity: capacityFixture() }));
    // A twin run of a shipped example, with the data the runner recorded (disks, downloads, cache, restarts).
    const scenario = await loadScenario(EXAMPLE);
    twinRun = await runScenario(scenario, { backend: new TwinBackend() });
    twin = await open('twin', renderHtmlReport({ result: twinRun.result, machines: reportData(twinRun.recordings, scenario.content), title: scenario.name }));
    console.log(`    screenshots: ${run.png}, ${capacity.png}, ${twin.png}`);
  });

  it('draws every chart with a non-zero size', () => {
    for (const page of [run.page, capacity.page]) {
      expect(page.charts.length).to.be.greaterThan(0);
      for (const c of page.charts) expect(c.width * c.height, `${c.chart} chart`).to.be.greaterThan(0);
    }
  });

  it('draws a timeline per machine that ran steps, with a bar per timed step, its group bands and its restarts', () => {
    const gantts = charts(run.page, 'gantt');
    const expected = fixture.stepBars.map((bars, i) => ({ bars, reboots: fixture.reboots[i] })).filter((e) => e.bars > 0);
    expect(gantts.map((g) => ({ bars: g.drawn.bar, reboots: g.drawn.reboot }))).to.deep.equal(expected);
    for (const g of gantts) {
      expect(g.drawn.bar).to.equal(Number(g.data.bars));
      // Install Operating System, its Drivers subgroup, Setup Operating System.
      expect(g.drawn.band).to.equal(3);
    }
    expect(fixture.reboots[0]).to.equal(2);
  });

  it('draws the disk layout, the downloads and the cache usage of the machines that have them', () => {
    expect(charts(run.page, 'disk').map((c) => c.drawn.partition)).to.deep.equal([3, 3]);
    expect(charts(run.page, 'bars').map((c) => c.drawn.bar)).to.deep.equal([1, 1]);
    expect(charts(run.page, 'line').map((c) => c.drawn.series)).to.deep.equal([2, 2]);
  });

  it('draws what the runner recorded of a twin run: the disk bar, the download, the cache usage and the restart', () => {
    const recording = twinRun.recordings.get('PC-UEFI-01')!;
    // EFI, MSR and Windows on disk 0, as the example's Format and Partition Disk step lays them out.
    expect(charts(twin.page, 'disk').map((c) => c.drawn.partition)).to.deep.equal([3]);
    // The OS image is the one package the example downloads; its bar carries bytes and throughput.
    expect(recording.downloads.map((d) => d.packageId)).to.deep.equal(['LAB00003']);
    expect(charts(twin.page, 'bars').map((c) => c.drawn.bar)).to.deep.equal([1]);
    // Cache used and the cache size as its limit.
    expect(charts(twin.page, 'line').map((c) => c.drawn.series)).to.deep.equal([2]);
    expect(recording.cache.at(-1)!.usedBytes).to.equal(recording.downloads[0]!.bytes);
    // Setup Windows and ConfigMgr restarts into the new OS: one mark on the timeline.
    expect(charts(twin.page, 'gantt').map((c) => c.drawn.reboot)).to.deep.equal([1]);
    for (const c of twin.page.charts) expect(c.width * c.height, `${c.chart} chart`).to.be.greaterThan(0);
    expect(twin.page.resources).to.deep.equal([]);
  });

  it('draws the capacity plan: completion distributions, link and DP utilisation, the sweep', () => {
    const plan = capacityFixture();
    const histograms = charts(capacity.page, 'histogram');
    expect(histograms).to.have.length(plan.completion!.length);
    for (const h of histograms) {
      expect(h.drawn.bin).to.equal(Number(h.data.filled)).and.to.be.greaterThan(4);
      expect(h.drawn.series, 'the cumulative curve').to.equal(1);
    }
    // Links, distribution points, then one sweep chart per metric: a series per transport in each.
    expect(charts(capacity.page, 'line').map((c) => c.drawn.series)).to.deep.equal([2, 2, 2, 2]);
  });

  it('paints the charts in the screenshots', async () => {
    const runPixels = decodePng(await readFile(run.png));
    expect([runPixels.width, runPixels.height]).to.deep.equal([1400, 2000]);
    // Step bars: the success green and the failed red of the first machine's timeline.
    expect(countColour(runPixels, '#2e9d5b')).to.be.greaterThan(2000);
    expect(countColour(runPixels, '#d64545')).to.be.greaterThan(300);
    const capacityPixels = decodePng(await readFile(capacity.png));
    // The first series' blue: the link utilisation lines.
    expect(countColour(capacityPixels, '#0072b2')).to.be.greaterThan(1000);
  });

  it('is self-contained: opened with no network, it loads nothing and refers to nothing outside itself', async () => {
    for (const page of [run.page, capacity.page]) {
      expect(page.resources).to.deep.equal([]);
      expect(page.externalRefs).to.deep.equal([]);
      expect(page.violations).to.deep.equal([]);
    }
    for (const file of [run.html, capacity.html]) {
      const html = await readFile(file, 'utf8');
      expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.to.match(/https?:\/\//);
    }
  });
});
