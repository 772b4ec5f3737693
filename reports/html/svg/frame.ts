// The parts every chart shares: the <svg> element, its title, axes with ticks, and the legend.
import { escapeHtml } from '../escape.js';
import { GRID, INK, MUTED } from './palette.js';
import type { Scale } from './scale.js';

export interface ChartBox {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Plot area edges in pixels. */
export const plotArea = (b: ChartBox) => ({ x0: b.left, x1: b.width - b.right, y0: b.top, y1: b.height - b.bottom });

/**
 * The chart element. `kind` and `data` become data- attributes: the browser test reads them to know how many
 * bars or series a chart must show.
 */
export function svgChart(kind: string, title: string, box: ChartBox, body: string[], data: Record<string, number> = {}): string {
  const attrs = Object.entries(data).map(([k, v]) => ` data-${k}="${v}"`).join('');
  return [
    `<svg class="chart" data-chart="${kind}"${attrs} xmlns="http://www.w3.org/2000/svg" width="${box.width}" height="${box.height}" viewBox="0 0 ${box.width} ${box.height}" role="img" aria-label="${escapeHtml(title)}" font-family="system-ui, sans-serif" font-size="12">`,
    `<text x="${box.left}" y="16" font-size="14" font-weight="600" fill="${INK}">${escapeHtml(title)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

export function xAxis(scale: Scale, box: ChartBox, format: (v: number) => string, label?: string): string {
  const { y0, y1 } = plotArea(box);
  const out = scale.ticks.map((t) => {
    const x = scale(t).toFixed(1);
    return `<line x1="${x}" y1="${y0}" x2="${x}" y2="${y1}" stroke="${GRID}"/><text x="${x}" y="${y1 + 14}" text-anchor="middle" fill="${MUTED}">${escapeHtml(format(t))}</text>`;
  });
  if (label) out.push(`<text x="${(box.left + box.width - box.right) / 2}" y="${box.height - 4}" text-anchor="middle" fill="${MUTED}">${escapeHtml(label)}</text>`);
  return out.join('\n');
}

export function yAxis(scale: Scale, box: ChartBox, format: (v: number) => string, label?: string, side: 'left' | 'right' = 'left'): string {
  const { x0, x1 } = plotArea(box);
  const out = scale.ticks.map((t) => {
    const y = scale(t).toFixed(1);
    const grid = side === 'left' ? `<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="${GRID}"/>` : '';
    const text = side === 'left'
      ? `<text x="${x0 - 6}" y="${y}" dy="4" text-anchor="end" fill="${MUTED}">${escapeHtml(format(t))}</text>`
      : `<text x="${x1 + 6}" y="${y}" dy="4" fill="${MUTED}">${escapeHtml(format(t))}</text>`;
    return grid + text;
  });
  if (label) {
    const x = side === 'left' ? 14 : box.width - 6;
    const y = (box.top + box.height - box.bottom) / 2;
    out.push(`<text transform="translate(${x} ${y}) rotate(-90)" text-anchor="middle" fill="${MUTED}">${escapeHtml(label)}</text>`);
  }
  return out.join('\n');
}

/** One row of legend entries under the title. */
export function legend(entries: { label: string; colour: string; dashed?: boolean }[], box: ChartBox): string {
  let x = box.left;
  return entries
    .map((e) => {
      const swatch = `<line x1="${x}" y1="30" x2="${x + 18}" y2="30" stroke="${e.colour}" stroke-width="3"${e.dashed ? ' stroke-dasharray="4 3"' : ''}/>`;
      const text = `<text x="${x + 22}" y="34" fill="${INK}">${escapeHtml(e.label)}</text>`;
      x += 34 + e.label.length * 7;
      return swatch + text;
    })
    .join('\n');
}
