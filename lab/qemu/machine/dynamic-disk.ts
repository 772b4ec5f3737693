// Convert Disk to Dynamic on a running machine (osd-behaviours §2.18). The LDM writer of
// lab/qemu/disk works on any DiskImage; here that image is the guest's own block device, read and
// written a sector range at a time through the agent (dd + base64), so the database is laid down
// byte for byte as on an image file while the machine runs. The guest kernel then rereads the
// table: on MBR its LDM parser shows each simple volume as a partition; on GPT the LDM data
// partitions keep the volumes' extents (docs/dynamic-disks.md).
import { readFile } from 'node:fs/promises';
import { EXIT } from '../../twin/index.js';
import type { ActionOutcome } from '../../../harness/index.js';
import { InputError } from '../../../scenarios/index.js';
import { convertDiskImageToDynamic, isDynamicDiskImage, SECTOR, type DiskImage } from '../disk/index.js';
import type { GuestDisk } from './guest-disks.js';
import type { GuestShell } from './guest-shell.js';

/** Bytes per guest command when writing: its base64 stays well under what the agent reads in a line. */
const WRITE_CHUNK = 48 * 1024;

/** A disk of the running machine as a DiskImage: byte ranges go through the agent with dd. */
export class GuestBlockDevice implements DiskImage {
  readonly format = 'raw';

  constructor(
    private readonly shell: GuestShell,
    /** The guest device, e.g. /dev/sda. */
    readonly path: string,
    readonly sizeBytes: number,
    private readonly signal?: AbortSignal,
  ) {}

  async read(offsetBytes: number, length: number): Promise<Buffer> {
    this.check(offsetBytes, length);
    if (length === 0) return Buffer.alloc(0);
    const first = Math.floor(offsetBytes / SECTOR);
    const count = Math.ceil((offsetBytes + length) / SECTOR) - first;
    const lines = await this.shell.must(`dd if=${this.path} bs=${SECTOR} skip=${first} count=${count} 2>/dev/null | base64`, 60, this.signal);
    const data = Buffer.from(lines.join(''), 'base64');
    if (data.length !== count * SECTOR) throw new Error(`${this.path}: read ${data.length} of ${count * SECTOR} bytes at sector ${first}`);
    return data.subarray(offsetBytes - first * SECTOR, offsetBytes - first * SECTOR + length);
  }

  /** Whole sectors are written as given; a partial sector is merged with what the disk holds. */
  async write(offsetBytes: number, data: Buffer): Promise<void> {
    this.check(offsetBytes, data.length);
    const first = Math.floor(offsetBytes / SECTOR);
    const end = Math.ceil((offsetBytes + data.length) / SECTOR);
    let sectors = data;
    if (offsetBytes % SECTOR !== 0 || data.length % SECTOR !== 0) {
      sectors = await this.read(first * SECTOR, (end - first) * SECTOR);
      data.copy(sectors, offsetBytes - first * SECTOR);
    }
    // Runs of zero sectors (most of an LDM database) are written from /dev/zero, the rest as base64.
    const commands: string[] = [];
    for (let s = 0; s < end - first; ) {
      const zero = isZero(sectors, s);
      let e = s + 1;
      while (e < end - first && isZero(sectors, e) === zero && (zero || (e - s) * SECTOR < WRITE_CHUNK)) e++;
      const dd = `dd of=${this.path} bs=${SECTOR} seek=${first + s} count=${e - s} conv=notrunc 2>/dev/null`;
      commands.push(zero ? `dd if=/dev/zero ${dd.slice(3)}` : `echo ${sectors.subarray(s * SECTOR, e * SECTOR).toString('base64')} | base64 -d | ${dd}`);
      s = e;
    }
    for (const command of commands) await this.shell.must(`set -e; ${command}`, 60, this.signal);
  }

  async writeFile(offsetBytes: number, sourcePath: string): Promise<void> {
    await this.write(offsetBytes, await readFile(sourcePath));
  }

  async close(): Promise<void> {
    await this.shell.must('sync', 60, this.signal);
  }

  private check(offsetBytes: number, length: number): void {
    if (offsetBytes < 0 || length < 0 || offsetBytes + length > this.sizeBytes) {
      throw new RangeError(`${this.path}: bytes ${offsetBytes}..${offsetBytes + length} lie outside the ${this.sizeBytes}-byte disk`);
    }
  }
}

function isZero(buf: Buffer, sector: number): boolean {
  for (let i = sector * SECTOR; i < (sector + 1) * SECTOR; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Whether the disk holds an LDM database (MBR type 0x42 with a PRIVHEAD, or GPT LDM partitions). */
export async function isDynamicDisk(shell: GuestShell, disk: GuestDisk, signal?: AbortSignal): Promise<boolean> {
  return isDynamicDiskImage(new GuestBlockDevice(shell, disk.device, disk.sizeBytes, signal));
}

/**
 * Converts the machine's disk to dynamic in place (its volumes must be unmounted) and has the guest
 * kernel reread it. Refusals (already dynamic, no room for the database, no partition table) fail
 * the step as osddiskpart does, with the reason.
 */
export async function convertGuestDisk(shell: GuestShell, disk: GuestDisk, signal?: AbortSignal): Promise<ActionOutcome> {
  const device = new GuestBlockDevice(shell, disk.device, disk.sizeBytes, signal);
  let volumes: string[];
  try {
    const layout = await convertDiskImageToDynamic(device, { signal });
    volumes = layout.volumes.map((v) => `${v.name}: simple, ${Math.round(v.sizeBytes / 2 ** 20)} MB at ${v.offsetBytes}${v.fileSystem ? `, ${v.fileSystem.toUpperCase()}` : ''}`);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { exitCode: EXIT.invalidParameter, output: [`osddiskpart: disk ${disk.index} (${disk.device}) cannot be converted to dynamic: ${err.problems.map((p) => p.message).join('; ')}`] };
  }
  await device.close();
  // The kernel's LDM parser replaces the 0x42 entry with one partition per volume.
  const reread = await shell.run(`blockdev --rereadpt ${disk.device} 2>&1 && sleep 1 && grep -w '${disk.device.slice(5)}[p0-9]*' /proc/partitions`, 60, signal);
  if (reread.exitCode !== 0) return { exitCode: EXIT.generalFailure, output: [`disk ${disk.index} was converted, but the kernel did not reread it`, ...reread.output] };
  return { exitCode: EXIT.success, output: [`disk ${disk.index} (${disk.device}) converted to dynamic: ${volumes.length} simple volume(s)`, ...volumes] };
}
