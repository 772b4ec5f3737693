// Human-readable quantities for labels and tables.

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** Elapsed time as m:ss or h:mm:ss; sub-second values as seconds with a decimal. */
export function formatElapsed(seconds: number): string {
  if (Math.abs(seconds) < 10 && seconds % 1 !== 0) return `${seconds.toFixed(1)} s`;
  const sign = seconds < 0 ? '-' : '';
  const total = Math.round(Math.abs(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${s}` : `${sign}${m}:${s}`;
}

export function formatRate(bitsPerSecond: number): string {
  if (bitsPerSecond >= 1e9) return `${(bitsPerSecond / 1e9).toFixed(2)} Gbit/s`;
  if (bitsPerSecond >= 1e6) return `${(bitsPerSecond / 1e6).toFixed(1)} Mbit/s`;
  return `${(bitsPerSecond / 1e3).toFixed(1)} kbit/s`;
}

export const formatPercent = (share: number): string => `${Math.round(share * 100)} %`;

/** Milliseconds from an ISO timestamp, or undefined when absent or unparsable. */
export function isoMs(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}
