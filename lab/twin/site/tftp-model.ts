// TFTP transfer time of a boot image under the lockstep/window model (perf-targets §1.3):
// T = ceil(S / (W·B)) · (RTT + W · wire(B) · 8 / C), with wire(B) = B + 12 header bytes plus
// IP/UDP/Ethernet framing of 58 bytes per 1480-byte fragment.

export interface TftpSettings {
  /** RamDiskTFTPBlockSize (ConfigMgr default 4096). */
  blockSize: number;
  /** RamDiskTFTPWindowSize (ConfigMgr default 1). */
  windowSize: number;
}

export const CONFIGMGR_TFTP_DEFAULTS: TftpSettings = { blockSize: 4096, windowSize: 1 };

/** Bytes on the wire for one TFTP data block of `blockSize` payload bytes. */
export function tftpWireBytes(blockSize: number): number {
  const datagram = blockSize + 12;
  return datagram + Math.ceil(datagram / 1480) * 58;
}

/** Seconds to transfer `bytes` at line rate `bps` with round-trip time `rttMs` (client turnaround included). */
export function tftpTransferSeconds(bytes: number, settings: TftpSettings, bps: number, rttMs: number): number {
  const { blockSize: b, windowSize: w } = settings;
  if (!(b >= 8 && b <= 65464)) throw new RangeError(`TFTP block size ${b} is outside 8–65464 (RFC 2348)`);
  if (!(w >= 1)) throw new RangeError(`TFTP window size ${w} must be at least 1 (RFC 7440)`);
  const rounds = Math.ceil(bytes / (w * b));
  return rounds * (rttMs / 1000 + (w * tftpWireBytes(b) * 8) / bps);
}

/** The rate the lockstep protocol itself allows, used as the flow's ceiling when many clients share links. */
export function tftpRateCeiling(bytes: number, settings: TftpSettings, bps: number, rttMs: number): number {
  return bytes / tftpTransferSeconds(bytes, settings, bps, rttMs);
}
