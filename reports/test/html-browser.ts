// Headless Chromium for the HTML report tests: a screenshot, and the size of every chart as laid out by the
// browser. Chromium runs in a network namespace of its own (unshare), so the page has no network at all.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const findChromium = (): string | undefined => CANDIDATES.find((p) => existsSync(p));

export interface ChartMeasure {
  chart: string;
  width: number;
  height: number;
  /** data- attributes the report put on the chart (bars, series, bins, partitions …). */
  data: Record<string, string>;
  /** Elements drawn with a non-zero box, by class. */
  drawn: Record<'bar' | 'series' | 'bin' | 'partition' | 'reboot' | 'band', number>;
}

export interface PageMeasure {
  charts: ChartMeasure[];
  /** Everything the page loaded besides itself (performance resource entries). */
  resources: string[];
  /** src/href attributes that point anywhere but into the page. */
  externalRefs: string[];
  violations: string[];
}

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars'];

// Runs in the page after load; writes its findings into a <pre> that --dump-dom prints.
const MEASURE = `
addEventListener('load', () => setTimeout(() => {
  // A horizontal line's box has no height: a line counts when it has extent, a shape when it has area.
  const box = (el) => { const r = el.getBoundingClientRect(); return el.tagName === 'path' ? r.width > 0 || r.height > 0 : r.width > 0 && r.height > 0; };
  const count = (svg, sel) => [...svg.querySelectorAll(sel)].filter(box).length;
  const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
    const r = svg.getBoundingClientRect();
    return { chart: svg.dataset.chart, width: r.width, height: r.height, data: { ...svg.dataset },
      drawn: { bar: count(svg, 'rect.bar'), series: count(svg, 'path.series'), bin: count(svg, 'rect.bin'), partition: count(svg, 'rect.partition'), reboot: count(svg, 'g.reboot'), band: count(svg, 'rect.band') } };
  });
  const externalRefs = [...document.querySelectorAll('[src],[href]')].map((e) => e.getAttribute('src') ?? e.getAttribute('href')).filter((v) => !v.startsWith('#'));
  const pre = document.createElement('pre');
  pre.id = 'osdlab-measure';
  pre.textContent = JSON.stringify({ charts, resources: performance.getEntriesByType('resource').map((e) => e.name), externalRefs, violations: window.__violations });
  document.body.append(pre);
}, 0));
`;
const LISTEN = `window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.blockedURI + ' ' + e.violatedDirective));`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The report forbids scripts (its CSP); the measured copy allows exactly the two measuring scripts by hash and
 * keeps every other directive, so a fetch the report tried would still be blocked and reported.
 */
function instrument(html: string): string {
  const csp = /(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(">)/;
  if (!csp.test(html)) throw new Error('the report has no Content-Security-Policy meta element');
  return html
    .replace(csp, (_m, a: string, policy: string, b: string) => `${a}${policy}; script-src ${sha256(LISTEN)} ${sha256(MEASURE)}${b}<script>${LISTEN}</script>`)
    .replace('</body>', `<script>${MEASURE}</script></body>`);
}

async function chromium(binary: string, args: string[], signal?: AbortSignal): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'osdlab-chromium-'));
  try {
    // unshare -rn: a new user and network namespace with no interfaces up; it ends with the process.
    const run = await execa('unshare', ['-rn', binary, ...FLAGS, `--user-data-dir=${profile}`, ...args], { cancelSignal: signal, timeout: 60_000, reject: false });
    if (run.exitCode !== 0) throw new Error(`chromium exited with ${run.exitCode}: ${run.stderr.split('\n').slice(-5).join('\n')}`);
    return run.stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

export async function screenshot(binary: string, htmlFile: string, pngFile: string, signal?: AbortSignal): Promise<void> {
  await chromium(binary, [`--screenshot=${pngFile}`, '--window-size=1400,2000', pathToFileURL(htmlFile).href], signal);
}

export async function measurePage(binary: string, htmlFile: string, signal?: AbortSignal): Promise<PageMeasure> {
  const copy = `${htmlFile.replace(/\.html$/, '')}.measure.html`;
  await writeFile(copy, instrument(await readFile(htmlFile, 'utf8')));
  const dom = await chromium(binary, ['--window-size=1400,2000', '--virtual-time-budget=5000', '--dump-dom', pathToFileURL(copy).href], signal);
  const found = /<pre id="osdlab-measure">([^<]*)<\/pre>/.exec(dom);
  if (!found) throw new Error('the measuring script did not run (no #osdlab-measure in the dumped DOM)');
  const text = found[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return JSON.parse(text) as PageMeasure;
}
