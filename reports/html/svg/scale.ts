// Linear scales with round tick values, for every chart's axes.

export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly ticks: number[];
}

/** 1, 2, 2.5 or 5 times a power of ten: the step a reader expects between ticks. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Steps of a time axis in seconds: ticks fall on whole seconds, minutes and hours, not on 3:20. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

function timeStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  return raw < 1 ? niceStep(span, count) : (TIME_STEPS.find((t) => t >= raw) ?? niceStep(span, count));
}

/** Byte axes step in whole KB, MB or GB, so the labels read 2 GB, 4 GB rather than 1.9 GB, 3.7 GB. */
function byteStep(span: number, count: number): number {
  const unit = 1024 ** Math.max(0, Math.floor(Math.log(Math.max(1, span)) / Math.log(1024)));
  return niceStep(span / unit, count) * unit;
}

/** What the axis counts, which decides where its ticks fall. */
export type TickKind = 'decimal' | 'time' | 'bytes';

const STEPS: Record<TickKind, (span: number, count: number) => number> = { decimal: niceStep, time: timeStep, bytes: byteStep };

/** Maps [d0, d1] onto [r0, r1]; the domain is widened to whole ticks (unless fixed) and never empty. */
export function linearScale(d0: number, d1: number, r0: number, r1: number, options: { tickCount?: number; fixed?: boolean; kind?: TickKind } = {}): Scale {
  let lo = Math.min(d0, d1);
  let hi = Math.max(d0, d1);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi === lo) hi = lo === 0 ? 1 : lo + Math.abs(lo) * 0.1;
  const step = STEPS[options.kind ?? 'decimal'](hi - lo, options.tickCount ?? 6);
  if (!options.fixed) {
    lo = Math.floor(lo / step) * step;
    hi = Math.ceil(hi / step) * step;
  }
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  const map = (value: number) => r0 + ((value - lo) / (hi - lo)) * (r1 - r0);
  return Object.assign(map, { domain: [lo, hi] as const, ticks });
}

/** Smallest and largest value without spreading the array (client lists reach 10^5 entries). */
export function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}
