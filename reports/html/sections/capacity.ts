// Capacity-plan section: completion-time distributions, link and DP utilisation, and the sweep.
import type { CapacityReport, CapacitySweep, SweepMetric, UtilisationSeries } from '../capacity-types.js';
import { escapeHtml } from '../escape.js';
import { formatElapsed, formatPercent, formatRate } from '../format.js';
import { histogramChart } from '../svg/histogram.js';
import { lineChart, type LineSeries } from '../svg/line.js';

function utilisationChart(title: string, series: UtilisationSeries[]): string {
  const capacities = series.filter((s) => s.capacityBitsPerSecond !== undefined).map((s) => `${s.name}: ${formatRate(s.capacityBitsPerSecond!)}`);
  return lineChart({
    title: capacities.length > 0 ? `${title} (${capacities.join(', ')})` : title,
    series: series.map((s) => ({ name: s.name, points: s.points.map((p) => ({ x: p.t, y: p.utilisation })) })),
    xLabel: 'time since the run started',
    yLabel: 'utilisation',
    xFormat: formatElapsed,
    xTicks: 'time',
    yFormat: formatPercent,
    yDomain: [0, 1],
  });
}

/** The x parameter of the sweep: the named one, else the first whose values are all numbers. */
function sweepAxis(sweep: CapacitySweep): string | undefined {
  return sweep.x ?? sweep.parameters.find((p) => sweep.rows.every((r) => typeof r.parameters[p] === 'number'));
}

function sweepCharts(sweep: CapacitySweep): string[] {
  const x = sweepAxis(sweep);
  if (!x) return [];
  const others = sweep.parameters.filter((p) => p !== x);
  const groups = new Map<string, typeof sweep.rows>();
  for (const row of sweep.rows) {
    const key = others.map((p) => `${p}=${row.parameters[p]}`).join(', ') || 'all';
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const metrics: SweepMetric[] = sweep.metrics ?? ['p50', 'max'];
  return metrics.map((metric) => {
    const series: LineSeries[] = [...groups].map(([name, rows]) => ({ name, dots: true, points: rows.map((r) => ({ x: Number(r.parameters[x]), y: r[metric] })) }));
    return lineChart({ title: `Completion time (${metric}) vs ${x}`, series, xLabel: x, yLabel: `${metric} completion time`, yFormat: formatElapsed, yTicks: 'time' });
  });
}

function sweepTable(sweep: CapacitySweep): string {
  const head = [...sweep.parameters, 'p50', 'p90', 'p99', 'max'].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = sweep.rows.map((r) => `<tr>${sweep.parameters.map((p) => `<td>${escapeHtml(r.parameters[p] ?? '')}</td>`).join('')}${(['p50', 'p90', 'p99', 'max'] as const).map((m) => `<td class="num">${formatElapsed(r[m])}</td>`).join('')}</tr>`);
  return `<table class="sweep"><thead><tr>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

export function capacitySection(capacity: CapacityReport): string {
  const parts = [`<section id="capacity"><h2>${escapeHtml(capacity.title ?? 'Capacity plan')}</h2>`];
  for (const d of capacity.completion ?? []) {
    if (d.completionSeconds.length === 0) continue;
    parts.push(histogramChart({ title: `Completion times: ${d.name} (${d.completionSeconds.length} clients)`, values: d.completionSeconds, xLabel: 'completion time since the run started', xFormat: formatElapsed, xTicks: 'time' }));
  }
  if (capacity.links && capacity.links.length > 0) parts.push('<h3>Links</h3>', utilisationChart('Link utilisation', capacity.links));
  if (capacity.distributionPoints && capacity.distributionPoints.length > 0) parts.push('<h3>Distribution points</h3>', utilisationChart('Distribution point utilisation', capacity.distributionPoints));
  if (capacity.sweep && capacity.sweep.rows.length > 0) parts.push('<h3>Sweep</h3>', ...sweepCharts(capacity.sweep), sweepTable(capacity.sweep));
  parts.push('</section>');
  return parts.join('\n');
}
