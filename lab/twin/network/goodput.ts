// What a TCP/HTTP download achieves on a link of a given line rate (perf-targets §4).

/** TCP payload per Ethernet frame on the wire at 1500 MTU: 1460 / (1500 + 38) = 0.9493. */
export const TCP_GOODPUT_FACTOR = 1460 / 1538;

/** Mathis et al. constant √(3/2). */
const MATHIS_C = Math.sqrt(1.5);

export interface TcpOptions {
  /** Largest receive window in bytes (iPXE 2 MB, BITS/Windows: autotuned, effectively large). */
  windowBytes?: number;
  mssBytes?: number;
}

/**
 * The per-flow ceiling in bytes/s that TCP itself imposes on a route: the window bound W/RTT
 * and, with loss, the Mathis bound (MSS/RTT)·(C/√p). Infinity when neither applies.
 */
export function tcpFlowCeiling(roundTripMs: number, loss: number, options: TcpOptions = {}): number {
  if (roundTripMs <= 0) return Infinity;
  const rtt = roundTripMs / 1000;
  const mss = options.mssBytes ?? 1460;
  const windowBound = options.windowBytes === undefined ? Infinity : options.windowBytes / rtt;
  const lossBound = loss > 0 ? (mss / rtt) * (MATHIS_C / Math.sqrt(loss)) : Infinity;
  return Math.min(windowBound, lossBound);
}
