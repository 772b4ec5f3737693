// Line series over a numeric x axis: cache usage, link and DP utilisation, sweep results.
import { escapeHtml } from '../escape.js';
import { plotArea, legend, svgChart, xAxis, yAxis, type ChartBox } from './frame.js';
import { MUTED, seriesColour } from './palette.js';
import { extent, linearScale, type TickKind } from './scale.js';

export interface Point {
  x: number;
  y: number;
}

export interface LineSeries {
  name: string;
  points: Point[];
  colour?: string;
  dashed?: boolean;
  /** Hold each value until the next point (samples of a level, such as cache usage). */
  step?: boolean;
  /** Draw a dot at every point (few points, such as sweep results). */
  dots?: boolean;
}

export interface LineChartOptions {
  title: string;
  series: LineSeries[];
  xLabel: string;
  yLabel: string;
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  /** Seconds get ticks on whole minutes and hours, bytes on whole MB and GB. */
  xTicks?: TickKind;
  yTicks?: TickKind;
  /** Fixed y range, e.g. [0, 1] for utilisation. */
  yDomain?: [number, number];
  /** Vertical marks at x, e.g. reboots. */
  markers?: { x: number; label: string }[];
  width?: number;
  height?: number;
  /** Points kept per series; longer series keep each bucket's first, lowest and highest point. */
  maxPoints?: number;
}

const DEFAULT_MAX_POINTS = 1200;

/** Keeps the shape (peaks included) of a long series in about `max` points. */
export function downsample(points: Point[], max: number): Point[] {
  if (points.length <= max) return points;
  const buckets = Math.max(1, Math.floor(max / 3));
  const size = points.length / buckets;
  const out: Point[] = [];
  for (let b = 0; b < buckets; b++) {
    const slice = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (slice.length === 0) continue;
    let lo = slice[0]!;
    let hi = slice[0]!;
    for (const p of slice) {
      if (p.y < lo.y) lo = p;
      if (p.y > hi.y) hi = p;
    }
    const picked = [slice[0]!, lo, hi].filter((p, i, all) => all.indexOf(p) === i).sort((a, b2) => a.x - b2.x);
    out.push(...picked);
  }
  out.push(points[points.length - 1]!);
  return out;
}

function pathData(points: Point[], x: (v: number) => number, y: (v: number) => number, step: boolean): string {
  const parts: string[] = [];
  points.forEach((p, i) => {
    const px = x(p.x).toFixed(1);
    const py = y(p.y).toFixed(1);
    if (i === 0) parts.push(`M${px} ${py}`);
    else if (step) parts.push(`H${px}V${py}`);
    else parts.push(`L${px} ${py}`);
  });
  return parts.join('');
}

export function lineChart(o: LineChartOptions): string {
  const box: ChartBox = { width: o.width ?? 900, height: o.height ?? 280, left: 70, right: 24, top: 44, bottom: 40 };
  const { x0, x1, y0, y1 } = plotArea(box);
  const series = o.series
    .filter((s) => s.points.length > 0)
    .map((s, i) => ({ ...s, colour: s.colour ?? seriesColour(i), points: downsample([...s.points].sort((a, b) => a.x - b.x), o.maxPoints ?? DEFAULT_MAX_POINTS) }));
  const xs = extent(series.flatMap((s) => s.points.map((p) => p.x)).concat((o.markers ?? []).map((m) => m.x)));
  const ys = o.yDomain ?? extent([0, ...series.flatMap((s) => s.points.map((p) => p.y))]);
  const x = linearScale(xs[0], xs[1], x0, x1, { kind: o.xTicks, fixed: true });
  const y = linearScale(ys[0], ys[1], y1, y0, { tickCount: 5, fixed: Boolean(o.yDomain), kind: o.yTicks });
  const body = [
    xAxis(x, box, o.xFormat ?? String, o.xLabel),
    yAxis(y, box, o.yFormat ?? String, o.yLabel),
    legend(series.map((s) => ({ label: s.name, colour: s.colour, dashed: s.dashed })), box),
  ];
  for (const m of o.markers ?? []) {
    const mx = x(m.x).toFixed(1);
    body.push(`<g class="marker"><line x1="${mx}" y1="${y0}" x2="${mx}" y2="${y1}" stroke="${MUTED}" stroke-dasharray="2 3"/><text x="${mx}" y="${y0 - 2}" text-anchor="middle" fill="${MUTED}">${escapeHtml(m.label)}</text></g>`);
  }
  for (const s of series) {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    body.push(`<path class="series" data-name="${escapeHtml(s.name)}" d="${pathData(s.points, x, y, Boolean(s.step))}" fill="none" stroke="${s.colour}" stroke-width="2"${dash}><title>${escapeHtml(s.name)}</title></path>`);
    if (s.dots) body.push(...s.points.map((p) => `<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3" fill="${s.colour}"/>`));
  }
  return svgChart('line', o.title, box, body, { series: series.length });
}
