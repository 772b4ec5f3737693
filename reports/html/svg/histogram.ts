// Distribution of completion times: a histogram of clients per time bin with the cumulative share over it.
import { escapeHtml } from '../escape.js';
import { legend, plotArea, svgChart, xAxis, yAxis, type ChartBox } from './frame.js';
import { seriesColour } from './palette.js';
import { extent, linearScale, type TickKind } from './scale.js';

export interface HistogramOptions {
  title: string;
  values: number[];
  bins?: number;
  xLabel: string;
  xFormat?: (v: number) => string;
  xTicks?: TickKind;
  width?: number;
  height?: number;
}

/** Points drawn for the cumulative curve, whatever the number of clients. */
const CDF_POINTS = 200;

export function histogramChart(o: HistogramOptions): string {
  const box: ChartBox = { width: o.width ?? 900, height: o.height ?? 300, left: 70, right: 60, top: 44, bottom: 40 };
  const { x0, x1, y0, y1 } = plotArea(box);
  const [lo, hi] = extent(o.values);
  const x = linearScale(lo, hi, x0, x1, { kind: o.xTicks });
  const [d0, d1] = x.domain;
  const binCount = o.bins ?? Math.min(40, Math.max(5, Math.ceil(Math.sqrt(o.values.length))));
  const width = (d1 - d0) / binCount;
  const counts = new Array<number>(binCount).fill(0);
  for (const v of o.values) counts[Math.min(binCount - 1, Math.floor((v - d0) / width))]!++;
  const y = linearScale(0, Math.max(1, ...counts), y1, y0, { tickCount: 5 });
  const share = linearScale(0, 1, y1, y0, { tickCount: 4, fixed: true });
  const bars = counts.flatMap((count, i) => {
    if (count === 0) return [];
    const bx = x(d0 + i * width);
    const bw = Math.max(1, x(d0 + (i + 1) * width) - bx - 1);
    const from = d0 + i * width;
    const tip = `${o.xFormat?.(from) ?? from} – ${o.xFormat?.(from + width) ?? from + width}: ${count} clients`;
    return [`<rect class="bin" x="${bx.toFixed(1)}" y="${y(count).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y1 - y(count)).toFixed(1)}" fill="${seriesColour(0)}" fill-opacity="0.55"><title>${escapeHtml(tip)}</title></rect>`];
  });
  const sorted = Float64Array.from(o.values).sort();
  const cdf: string[] = [];
  for (let i = 0; i <= CDF_POINTS && sorted.length > 0; i++) {
    const q = i / CDF_POINTS;
    const v = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? sorted[0]!;
    cdf.push(`${i === 0 ? 'M' : 'L'}${x(v).toFixed(1)} ${share(q).toFixed(1)}`);
  }
  const body = [
    xAxis(x, box, o.xFormat ?? String, o.xLabel),
    yAxis(y, box, String, 'clients'),
    yAxis(share, box, (v) => `${Math.round(v * 100)} %`, 'clients finished', 'right'),
    legend([{ label: 'clients per bin', colour: seriesColour(0) }, { label: 'cumulative share', colour: seriesColour(1) }], box),
    ...bars,
    `<path class="series cdf" d="${cdf.join('')}" fill="none" stroke="${seriesColour(1)}" stroke-width="2"/>`,
  ];
  return svgChart('histogram', o.title, box, body, { bins: binCount, filled: bars.length, clients: o.values.length });
}
