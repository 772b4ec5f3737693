// Horizontal bars with a label per row: downloads by size.
import { clip, escapeHtml } from '../escape.js';
import { plotArea, svgChart, xAxis, type ChartBox } from './frame.js';
import { INK, seriesColour } from './palette.js';
import { linearScale, type TickKind } from './scale.js';

export interface BarRow {
  label: string;
  value: number;
  /** Text after the bar, e.g. the throughput. */
  note?: string;
}

export interface BarChartOptions {
  title: string;
  rows: BarRow[];
  xLabel: string;
  format: (v: number) => string;
  ticks?: TickKind;
  width?: number;
}

const ROW = 22;

export function barChart(o: BarChartOptions): string {
  const box: ChartBox = { width: o.width ?? 900, height: 44 + o.rows.length * ROW + 40, left: 220, right: 160, top: 44, bottom: 40 };
  const { x0 } = plotArea(box);
  const x = linearScale(0, Math.max(0, ...o.rows.map((r) => r.value)), x0, box.width - box.right, { kind: o.ticks });
  const body = [xAxis(x, box, o.format, o.xLabel)];
  o.rows.forEach((r, i) => {
    const y = box.top + i * ROW;
    const w = Math.max(2, x(r.value) - x0);
    body.push(
      `<text x="${x0 - 8}" y="${y + 15}" text-anchor="end" fill="${INK}">${escapeHtml(clip(r.label, 28))}<title>${escapeHtml(r.label)}</title></text>`,
      `<rect class="bar" x="${x0}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" fill="${seriesColour(0)}"><title>${escapeHtml(`${r.label}: ${o.format(r.value)}${r.note ? `, ${r.note}` : ''}`)}</title></rect>`,
      `<text x="${(x0 + w + 6).toFixed(1)}" y="${y + 15}" fill="${INK}">${escapeHtml([o.format(r.value), r.note].filter(Boolean).join(' · '))}</text>`,
    );
  });
  return svgChart('bars', o.title, box, body, { bars: o.rows.length });
}
