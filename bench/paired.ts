// Measuring on a shared, noisy machine: the sides being compared run interleaved, in a rotating
// order, round after round, so a load spike hits every side of a round alike; each round gives a
// ratio, and the median of the ratios is the figure (with its quartiles and range as the spread).
// The load average goes with every figure.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** "1.02× (quartiles 0.95–1.10, range 0.51–1.40, 15 rounds)". */
export function spread(ratios: readonly number[]): string {
  const f = (x: number) => x.toFixed(2);
  return `${f(median(ratios))}× (quartiles ${f(quantile(ratios, 0.25))}–${f(quantile(ratios, 0.75))}, range ${f(Math.min(...ratios))}–${f(Math.max(...ratios))}, ${ratios.length} rounds)`;
}

export function loadLine(): string {
  return `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`;
}

/**
 * Round `round` of an interleaved comparison: every side measured once, starting one side further
 * on each round (no side always goes first, right after another's cleanup). Values by side.
 */
export async function oneRound<K extends string>(round: number, sides: Record<K, () => Promise<number>>): Promise<Record<K, number>> {
  const keys = Object.keys(sides) as K[];
  const values = {} as Record<K, number>;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[(round + i) % keys.length]!;
    values[k] = await sides[k]();
  }
  return values;
}

/** `rounds` rounds of `oneRound`; each side's values in round order. */
export async function interleaved<K extends string>(rounds: number, sides: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const keys = Object.keys(sides) as K[];
  const values = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    const got = await oneRound(round, sides);
    for (const k of keys) values[k].push(got[k]);
  }
  return values;
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (counted in 1/100 s): a
 * server's cost per byte, which other load disturbs far less than its throughput.
 */
export function processCpuSeconds(pid: number): number {
  // utime and stime are the 12th and 13th fields after the ")" that ends the command name.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Per-round ratios a[i] / b[i]. */
export const ratios = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x / b[i]!);
