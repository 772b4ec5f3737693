// Quantities written with units in scenario files ("4GB", "100Mbit", "20ms", "0.5%") and
// their numbers in the loaded model (bytes, bits per second, milliseconds, fractions).
// Each parser returns the number or a sentence saying what is wrong, so the schema and the
// callers word errors the same way.

export type Parsed = { ok: true; value: number } | { ok: false; message: string };

const NUMBER = String.raw`(-?\d+(?:\.\d+)?)`;

// Windows, ConfigMgr and osddiskpart count MB and GB in powers of two; KiB…TiB are accepted as synonyms.
const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 2 ** 10,
  MB: 2 ** 20,
  GB: 2 ** 30,
  TB: 2 ** 40,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};
// Link speeds are decimal, as network equipment states them.
const BANDWIDTH_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, Mbit: 1e6, Gbit: 1e9 };
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

const unitPattern = (units: Record<string, number>) => Object.keys(units).join('|');

export const SIZE_PATTERN = `^\\d+(?:\\.\\d+)?\\s?(?:${unitPattern(SIZE_UNITS)})$`;
export const PERCENT_PATTERN = String.raw`^\d+(?:\.\d+)?%$`;
export const BANDWIDTH_PATTERN = `^\\d+(?:\\.\\d+)?\\s?(?:${unitPattern(BANDWIDTH_UNITS)})(?:/s)?$`;
export const DURATION_PATTERN = `^\\d+(?:\\.\\d+)?\\s?(?:${unitPattern(DURATION_UNITS)})$`;

function parseWithUnits(
  text: string,
  units: Record<string, number>,
  what: string,
  examples: string,
  opts: { positive: boolean; suffix?: string },
): Parsed {
  const re = new RegExp(`^${NUMBER}\\s?(${unitPattern(units)})${opts.suffix ?? ''}$`);
  const m = re.exec(text.trim());
  if (!m) return { ok: false, message: `"${text}" is not ${what}; use a number with one of ${Object.keys(units).join(', ')} (e.g. ${examples})` };
  const n = Number(m[1]);
  if (n < 0 || (opts.positive && n === 0)) return { ok: false, message: `"${text}" is not allowed; ${what.replace(/^an? /, 'the ')} must be ${opts.positive ? 'greater than zero' : 'zero or more'}` };
  return { ok: true, value: n * units[m[2]] };
}

/** "500MB", "4GB", "1.5TiB" → bytes (binary multiples). */
export function parseSize(text: string): Parsed {
  const r = parseWithUnits(text, SIZE_UNITS, 'a size', '500MB, 4GB, 1.5TiB', { positive: false });
  return r.ok ? { ok: true, value: Math.round(r.value) } : r;
}

/** "100Mbit", "1Gbit", "512kbit/s" → bits per second. */
export function parseBandwidth(text: string): Parsed {
  return parseWithUnits(text, BANDWIDTH_UNITS, 'a bandwidth', '100Mbit, 1Gbit', { positive: true, suffix: '(?:/s)?' });
}

/** "20ms", "1.5s", "10m", "2h", "1d" → milliseconds. */
export function parseDuration(text: string): Parsed {
  return parseWithUnits(text, DURATION_UNITS, 'a duration', '20ms, 30s, 10m, 2h', { positive: false });
}

/** "0.5%" → 0.005; at most 100%. */
export function parsePercent(text: string): Parsed {
  const m = new RegExp(`^${NUMBER}%$`).exec(text.trim());
  if (!m) return { ok: false, message: `"${text}" is not a percentage; write it with a % sign (e.g. 0.5%, 100%)` };
  const n = Number(m[1]);
  if (n < 0 || n > 100) return { ok: false, message: `"${text}" is out of range; allowed: 0% to 100%` };
  return { ok: true, value: n / 100 };
}
