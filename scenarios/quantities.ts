// Zod schemas for the quantities of units.ts: a string with a unit in the file (and in the
// JSON Schema, as a pattern), a number in the loaded model.
import { z } from 'zod';
import {
  BANDWIDTH_PATTERN,
  DURATION_PATTERN,
  PERCENT_PATTERN,
  SIZE_PATTERN,
  parseBandwidth,
  parseDuration,
  parsePercent,
  parseSize,
  type Parsed,
} from './units.js';

function quantity(pattern: string, parse: (text: string) => Parsed, description: string) {
  const re = new RegExp(pattern);
  return z
    .string()
    .regex(re, { error: (iss) => (typeof iss.input === 'string' ? messageOf(parse(iss.input)) : undefined) })
    .transform((text, ctx) => {
      const r = parse(text);
      if (r.ok) return r.value;
      ctx.issues.push({ code: 'custom', message: r.message, input: text });
      return z.NEVER;
    })
    .describe(description);
}

function messageOf(r: Parsed): string | undefined {
  return r.ok ? undefined : r.message;
}

/** Bytes; written "500MB", "4GB", "1.5TiB" (MB = 2^20 bytes, as Windows counts). */
export const size = () => quantity(SIZE_PATTERN, parseSize, 'Size with a unit: B, KB, MB, GB, TB (binary multiples; KiB…TiB alike), e.g. 500MB, 4GB, 1.5TiB.');
/** Bits per second; written "100Mbit", "1Gbit". */
export const bandwidth = () => quantity(BANDWIDTH_PATTERN, parseBandwidth, 'Bandwidth, greater than zero: bit, kbit, Mbit, Gbit (optionally "/s"), e.g. 100Mbit, 1Gbit.');
/** Milliseconds; written "20ms", "30s", "10m", "2h", "1d". */
export const duration = () => quantity(DURATION_PATTERN, parseDuration, 'Duration: ms, s, m (or min), h, d, e.g. 20ms, 30s, 10m, 2h.');
/** A fraction 0…1; written "0.5%". */
export const percent = () => quantity(PERCENT_PATTERN, parsePercent, 'Percentage from 0% to 100%, e.g. 0.5%.');

export type PartitionSize = { bytes: number } | { percent: number };

/** A partition size: bytes, or a percentage of the space that remains on the disk (as osddiskpart reads it). */
export const partitionSize = () =>
  z
    .string()
    .regex(new RegExp(`${SIZE_PATTERN}|${PERCENT_PATTERN}`), {
      error: (iss) => (typeof iss.input === 'string' && iss.input.trim().endsWith('%') ? messageOf(parsePercent(iss.input)) : messageOf(parseSize(String(iss.input)))),
    })
    .transform((text, ctx): PartitionSize => {
      const asPercent = text.trim().endsWith('%');
      const r = asPercent ? parsePercent(text) : parseSize(text);
      if (r.ok) return asPercent ? { percent: r.value } : { bytes: r.value };
      ctx.issues.push({ code: 'custom', message: r.message, input: text });
      return z.NEVER;
    })
    .describe('Size with a unit (500MB, 60GB) or a percentage of the remaining space (100%).');
