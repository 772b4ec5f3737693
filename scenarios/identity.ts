// Hardware identity a machine gets when the scenario does not give one: stable across runs
// (derived from the machine name) so that computer records and logs stay comparable.
import { createHash } from 'node:crypto';

function digest(name: string): Buffer {
  return createHash('sha256').update(name).digest();
}

/** 52:54:00 (QEMU's prefix) + three bytes of the name's hash. */
export function derivedMac(name: string): string {
  const h = digest(name);
  return ['52', '54', '00', ...[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, '0'))].join(':').toUpperCase();
}

/** `mac` + n, carrying across octets; used to give each matrix combination its own MAC. */
export function offsetMac(mac: string, n: number): string {
  const value = BigInt(`0x${mac.replaceAll(':', '')}`) + BigInt(n);
  const hex = (value % 2n ** 48n).toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':').toUpperCase();
}

/** A GUID (version 4 layout) from the name's hash. */
export function derivedUuid(name: string): string {
  const h = digest(`smbios:${name}`);
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex').toUpperCase();
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
