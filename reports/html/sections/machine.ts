// One machine's section: step timeline, expectations, disk layout, downloads and cache usage.
import type { DiskFacts, ExpectationResult, MachineResult } from '../../../harness/index.js';
import { escapeHtml } from '../escape.js';
import { formatBytes, formatElapsed, formatRate, isoMs } from '../format.js';
import { barChart } from '../svg/bars.js';
import { diskLayoutChart } from '../svg/disk.js';
import { ganttChart } from '../svg/gantt.js';
import { lineChart } from '../svg/line.js';
import type { DownloadRecord, MachineReportData } from '../types.js';
import { machineAnchor } from './summary.js';

const json = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));

function expectationTable(expectations: ExpectationResult[]): string {
  if (expectations.length === 0) return '<p class="muted">No expectations.</p>';
  const rows = expectations.map((e) => `<tr class="${e.pass ? 'pass' : 'fail'}"><td><span class="badge ${e.pass ? 'success' : 'failed'}">${e.pass ? 'held' : 'failed'}</span></td><td>${escapeHtml(e.what)}</td><td><code>${escapeHtml(json(e.expected))}</code></td><td><code>${escapeHtml(json(e.actual))}</code></td></tr>`);
  return `<table class="expectations"><thead><tr><th></th><th>expectation</th><th>expected</th><th>actual</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function seconds(d: DownloadRecord): number {
  return Math.max(0, ((isoMs(d.end) ?? 0) - (isoMs(d.start) ?? 0)) / 1000);
}

const throughput = (d: DownloadRecord) => (seconds(d) > 0 ? formatRate((d.bytes * 8) / seconds(d)) : '–');

function downloadsPart(name: string, downloads: DownloadRecord[]): string {
  const rows = downloads.map((d) => `<tr><td>${escapeHtml(d.packageId)}</td><td>${escapeHtml(d.name ?? '')}</td><td>${escapeHtml(d.source ?? '')}</td><td class="num">${formatBytes(d.bytes)}</td><td class="num">${formatElapsed(seconds(d))}</td><td class="num">${throughput(d)}</td></tr>`);
  const chart = barChart({
    title: `Downloads of ${name}`,
    rows: downloads.map((d) => ({ label: d.name ? `${d.packageId} ${d.name}` : d.packageId, value: d.bytes, note: throughput(d) })),
    xLabel: 'bytes downloaded',
    format: formatBytes,
    ticks: 'bytes',
  });
  return `<h3>Downloads</h3>${chart}<table class="downloads"><thead><tr><th>package</th><th>name</th><th>distribution point</th><th>bytes</th><th>duration</th><th>throughput</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function cachePart(name: string, data: MachineReportData, span: TimeSpan): string {
  const samples = (data.cache ?? []).flatMap((c) => {
    const at = isoMs(c.at);
    return at === undefined ? [] : [{ x: (at - span.origin) / 1000, y: c.usedBytes }];
  });
  // The cache holds its last level until the run ends: draw it to the end of the timeline.
  const endX = Math.max(...samples.map((p) => p.x), (span.end - span.origin) / 1000);
  const used = samples.length > 0 ? [...samples, { x: endX, y: samples[samples.length - 1]!.y }] : samples;
  const series = [{ name: 'cache used', points: used, step: true }];
  if (data.cacheLimitBytes !== undefined && used.length > 0) {
    series.push({ name: `cache size (${formatBytes(data.cacheLimitBytes)})`, points: [{ x: Math.min(0, used[0]!.x), y: data.cacheLimitBytes }, { x: endX, y: data.cacheLimitBytes }], step: false });
  }
  return `<h3>Cache usage</h3>${lineChart({ title: `Cache usage of ${name}`, series, xLabel: 'time since the first step', yLabel: 'bytes', xFormat: formatElapsed, xTicks: 'time', yFormat: formatBytes, yTicks: 'bytes' })}`;
}

function partitionTable(disks: DiskFacts[]): string {
  const rows = disks.flatMap((d) =>
    [...d.partitions].sort((a, b) => a.offsetBytes - b.offsetBytes).map((p) => `<tr><td class="num">${d.index}</td><td class="num">${p.number}</td><td>${escapeHtml(p.type)}</td><td>${escapeHtml(p.fileSystem ?? '')}</td><td>${escapeHtml(p.label ?? '')}</td><td>${escapeHtml(p.driveLetter ?? '')}</td><td class="num">${formatBytes(p.sizeBytes)}</td><td class="num">${formatBytes(p.offsetBytes)}</td></tr>`),
  );
  return rows.length === 0 ? '' : `<table class="partitions"><thead><tr><th>disk</th><th>partition</th><th>type</th><th>file system</th><th>label</th><th>drive</th><th>size</th><th>offset</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

interface TimeSpan {
  origin: number;
  end: number;
}

/** The machine's clock from its first step to its last: every chart of the section counts time from the start. */
function timeSpan(m: MachineResult, data: MachineReportData): TimeSpan {
  const steps = m.steps.flatMap((s) => [isoMs(s.start), isoMs(s.end)]).filter((t): t is number => t !== undefined);
  const cache = (data.cache ?? []).map((c) => isoMs(c.at)).filter((t): t is number => t !== undefined);
  const times = steps.length > 0 ? steps : cache.length > 0 ? cache : [0];
  return { origin: Math.min(...times), end: Math.max(...times) };
}

export function machineSection(m: MachineResult, index: number, data: MachineReportData = {}): string {
  const span = timeSpan(m, data);
  const marks = (data.reboots ?? []).flatMap((r) => {
    const at = isoMs(r.at);
    return at === undefined ? [] : [{ at, label: `↻ ${r.target}` }];
  });
  const parts = [
    `<section class="machine" id="${machineAnchor(index)}"><h2>${escapeHtml(m.name)} <span class="badge ${m.outcome}">${m.outcome}</span></h2>`,
  ];
  if (m.error) parts.push(`<p class="ended">${m.outcome === 'error' ? 'Lab error' : 'Ended'}: ${escapeHtml(m.error)}</p>`);
  if (m.clients) parts.push(`<p class="muted">${escapeHtml(`Client group of ${m.clients.count}; the timeline is that of the client that finished last${m.clients.last ? ` (${m.clients.last})` : ''}.`)}</p>`);
  parts.push('<h3>Step timeline</h3>');
  parts.push(m.steps.length > 0 ? ganttChart(`Steps of ${m.name}`, m.steps, marks) : '<p class="muted">No steps ran.</p>');
  parts.push('<h3>Expectations</h3>', expectationTable(m.expectations));
  if (data.disks && data.disks.length > 0) parts.push('<h3>Disk layout</h3>', diskLayoutChart(`Disks of ${m.name} at the end of the run`, data.disks, `m${index + 1}`), partitionTable(data.disks));
  if (data.downloads && data.downloads.length > 0) parts.push(downloadsPart(m.name, data.downloads));
  if (data.cache && data.cache.length > 0) parts.push(cachePart(m.name, data, span));
  parts.push('</section>');
  return parts.join('\n');
}
