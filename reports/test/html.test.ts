// The HTML report as text: escaping of user names, sections drawn only with their data, chart counts, and the
// chart helpers' arithmetic. The browser checks are in html-chromium.test.ts.
import { expect } from 'chai';
import type { MachineResult, RunResult, StepResult } from '../../harness/index.js';
import { renderHtmlReport, type CapacityReport } from '../index.js';
import { segmentWidths } from '../html/svg/disk.js';
import { downsample } from '../html/svg/line.js';
import { linearScale } from '../html/svg/scale.js';
import { capacityFixture } from './html-fixtures.js';

const step = (path: string, name: string, status: StepResult['status'], start?: string, end?: string, kind: StepResult['kind'] = 'step'): StepResult =>
  ({ path, name, type: 'SMS_TaskSequence_RunCommandLineAction', kind, status, start, end });

function machine(name: string, steps: StepResult[], extra: Partial<MachineResult> = {}): MachineResult {
  return { name, outcome: 'success', steps, variables: {}, expectations: [{ what: 'outcome', pass: true, expected: 'success', actual: 'success' }], pass: true, ...extra };
}

const result = (machines: MachineResult[]): RunResult => ({
  pass: true, scenario: 'scenarios/x.yaml', backend: 'twin', startedAt: '2026-01-05T09:00:00.000Z', finishedAt: '2026-01-05T09:10:00.000Z', machines,
});

const count = (html: string, pattern: RegExp) => html.match(new RegExp(pattern, 'g'))?.length ?? 0;

describe('HTML report (text)', () => {
  it('escapes machine, step and expectation text from user files', () => {
    const evil = '<script>alert("x")</script>&';
    const html = renderHtmlReport({
      result: result([machine(evil, [step('1', evil, 'failed', '2026-01-05T09:00:00Z', '2026-01-05T09:01:00Z')], {
        outcome: 'failed', failedStep: evil, error: evil, pass: false,
        expectations: [{ what: evil, pass: false, expected: evil, actual: '</code>' }],
      })]),
      machines: { [evil]: { downloads: [{ packageId: evil, name: evil, source: evil, bytes: 1, start: '2026-01-05T09:00:00Z', end: '2026-01-05T09:00:01Z' }] } },
    });
    expect(html).not.to.include('<script');
    expect(html).not.to.include('</code>"');
    expect(html).to.include('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
  });

  it('replaces control characters, which no HTML or SVG parser should see', () => {
    const html = renderHtmlReport({ result: result([machine('PC\u0001\u001b[31m', [])]) });
    expect(html.includes('\u0001') || html.includes('\u001b')).to.be.false;
    expect(html).to.include('PC\ufffd\ufffd[31m');
  });

  it('draws only the sections it has data for', () => {
    const bare = renderHtmlReport({ result: result([machine('PC01', [step('1', 'Only step', 'success', '2026-01-05T09:00:00Z', '2026-01-05T09:00:05Z')])]) });
    expect(count(bare, /data-chart="gantt"/)).to.equal(1);
    for (const kind of ['disk', 'bars', 'line', 'histogram']) expect(bare, kind).not.to.include(`data-chart="${kind}"`);
    expect(bare).not.to.include('id="capacity"');
    const empty = renderHtmlReport({ result: result([machine('PC02', [], { outcome: 'error', error: 'qemu did not start', pass: false })]) });
    expect(empty).to.include('No steps ran.').and.to.include('Lab error: qemu did not start');
    const planOnly = renderHtmlReport({ result: result([]), capacity: { sweep: { parameters: ['clients'], rows: [] } } });
    expect(planOnly).not.to.include('id="summary"');
    expect(planOnly).to.include('id="capacity"').and.not.to.include('data-chart=');
  });

  it('puts one bar per timed step in the timeline, groups as bands, notRun steps as text, restarts as marks', () => {
    const steps = [
      step('1', 'Install', 'failed', '2026-01-05T09:00:00Z', '2026-01-05T09:02:00Z', 'group'),
      step('1/1', 'Partition', 'success', '2026-01-05T09:00:00Z', '2026-01-05T09:00:10Z'),
      step('1/2', 'BIOS only', 'skipped', '2026-01-05T09:00:10Z', '2026-01-05T09:00:10Z'),
      step('1/3', 'Apply', 'failed', '2026-01-05T09:00:10Z', '2026-01-05T09:02:00Z'),
      step('1/4', 'After', 'notRun'),
      step('2', 'Later', 'notRun', undefined, undefined, 'group'),
      step('2/1', 'Never', 'notRun'),
    ];
    const html = renderHtmlReport({ result: result([machine('PC01', steps)]), machines: { PC01: { reboots: [{ at: '2026-01-05T09:01:00Z', target: 'WinPE' }] } } });
    expect(html).to.include('data-chart="gantt" data-bars="3" data-rows="7" data-reboots="1"');
    expect(count(html, /class="bar" data-status="failed"/)).to.equal(1);
    expect(count(html, /class="bar" data-status="skipped"/)).to.equal(1);
    expect(count(html, /class="band"/)).to.equal(2);
    expect(count(html, />not run</)).to.equal(3);
    expect(html).to.include('↻ WinPE');
  });

  it('draws a bar per download with its throughput and the cache up to the end of the run', () => {
    const steps = [step('1', 'Download', 'success', '2026-01-05T09:00:00Z', '2026-01-05T09:10:00Z')];
    const html = renderHtmlReport({
      result: result([machine('PC01', steps)]),
      machines: { PC01: {
        downloads: [{ packageId: 'LAB00003', bytes: 100e6 / 8 * 60, start: '2026-01-05T09:00:00Z', end: '2026-01-05T09:01:00Z' }],
        cache: [{ at: '2026-01-05T09:00:00Z', usedBytes: 0 }, { at: '2026-01-05T09:01:00Z', usedBytes: 750e6 }], cacheLimitBytes: 2 ** 30,
      } },
    });
    expect(html).to.include('data-chart="bars" data-bars="1"');
    expect(html).to.include('100.0 Mbit/s');
    expect(html).to.include('data-chart="line" data-series="2"');
    // The cache's step line runs on to 10:00, the last step's end, at the plot's right edge (x = 900 - 24).
    expect(html).to.match(/data-name="cache used" d="M70\.0 [\d.]+H[\d.]+V[\d.]+H876\.0V[\d.]+"/);
  });

  it('draws the capacity plan: a histogram per distribution, utilisation, a sweep chart per metric and the sweep table', () => {
    const plan: CapacityReport = capacityFixture();
    const html = renderHtmlReport({ result: result([]), capacity: plan });
    expect(count(html, /data-chart="histogram"/)).to.equal(2);
    expect(count(html, /data-chart="line" data-series="2"/)).to.equal(4);
    expect(html).to.include('Completion time (p50) vs clients').and.to.include('Completion time (max) vs clients');
    expect(count(html, /<tr><td>\d+<\/td><td>(unicast|multicast)<\/td>/)).to.equal(plan.sweep!.rows.length);
  });

  it('puts the named or first numeric sweep parameter on the x axis, and draws no sweep chart without one', () => {
    const row = (p: Record<string, string | number>, v: number) => ({ parameters: p, p50: v, p90: v, p99: v, max: v });
    const named = renderHtmlReport({ result: result([]), capacity: { sweep: { parameters: ['clients', 'cacheGB'], x: 'cacheGB', metrics: ['p99'], rows: [row({ clients: 10, cacheGB: 20 }, 60), row({ clients: 10, cacheGB: 40 }, 50), row({ clients: 20, cacheGB: 20 }, 90)] } } });
    expect(named).to.include('Completion time (p99) vs cacheGB');
    expect(count(named, /data-chart="line" data-series="2"/)).to.equal(1);
    expect(named).to.include('data-name="clients=10"').and.to.include('data-name="clients=20"');
    const textual = renderHtmlReport({ result: result([]), capacity: { sweep: { parameters: ['transport'], rows: [row({ transport: 'unicast' }, 60)] } } });
    expect(textual).not.to.include('data-chart=');
    expect(textual).to.include('<td>unicast</td>');
  });

  it('stays small for 100,000 clients and long utilisation series', () => {
    const clients = Array.from({ length: 100_000 }, (_, i) => 600 + (i % 977) * 3.7);
    const points = Array.from({ length: 200_000 }, (_, i) => ({ t: i, utilisation: (i % 1000) / 1000 }));
    const html = renderHtmlReport({ result: result([]), capacity: { completion: [{ name: 'all', completionSeconds: clients }], links: [{ name: 'WAN', points }] } });
    expect(html.length).to.be.lessThan(200_000);
    expect(html).to.include('data-clients="100000"');
    // The 200,000 samples are thinned to about 1,200 points of path data.
    expect(/data-name="WAN" d="([^"]*)"/.exec(html)![1]!.split(/[ML]/).length).to.be.within(100, 1300);
  });
});

describe('HTML report chart helpers', () => {
  it('keeps the peaks of a long series when thinning it', () => {
    const points = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: i === 4321 ? 99 : i === 7777 ? -5 : 1 }));
    const thin = downsample(points, 300);
    expect(thin.length).to.be.at.most(301);
    expect(thin.map((p) => p.y)).to.include(99).and.to.include(-5);
    expect(thin.map((p) => p.x)).to.deep.equal([...thin.map((p) => p.x)].sort((a, b) => a - b));
    expect(thin.at(-1)).to.deep.equal({ x: 9999, y: 1 });
  });

  it('widens small partitions so they stay visible and keeps the bar length', () => {
    const widths = segmentWidths([100, 16, 1_000_000], 800);
    expect(widths[0]).to.equal(6);
    expect(widths[1]).to.equal(6);
    expect(widths.reduce((a, b) => a + b, 0)).to.be.closeTo(800, 1e-9);
    expect(segmentWidths([1, 1], 100)).to.deep.equal([50, 50]);
  });

  it('puts time ticks on whole minutes and hours', () => {
    expect(linearScale(0, 1150, 0, 100, { kind: 'time' }).ticks).to.deep.equal([0, 300, 600, 900, 1200]);
    expect(linearScale(0, 6000, 0, 100, { kind: 'time', fixed: true }).ticks).to.deep.equal([0, 1800, 3600, 5400]);
    expect(linearScale(0, 9.3 * 2 ** 30, 0, 100, { kind: 'bytes', tickCount: 5 }).ticks.map((t) => t / 2 ** 30)).to.deep.equal([0, 2, 4, 6, 8, 10]);
    expect(linearScale(5, 5, 0, 100).domain[1]).to.be.greaterThan(5);
  });
});
