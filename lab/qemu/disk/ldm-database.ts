// The LDM database of a dynamic disk: a 1 MiB area (2048 sectors) holding the PRIVHEAD copies,
// the TOCBLOCKs, the VMDB header and the VBLK records. On an MBR disk it is the last 1 MiB of the
// disk and the first PRIVHEAD is in sector 6; on a GPT disk it is the LDM metadata partition and
// the PRIVHEAD is in its last sector. Offsets are sectors from the start of the area.
import { SECTOR } from './disk-image.js';
import { blankSlot, decodeSlots, encodeRecord, VBLK_SIZE, type LdmRecord } from './ldm-records.js';

export const DATABASE_SECTORS = 2048;
export const MBR_PRIVHEAD_SECTOR = 6;
const PRIVHEAD_BACKUPS = [1856, 2047];
const TOCBLOCKS = [1, 2, 2045, 2046];
const VMDB_SECTOR = 17;
/** The "config" and "log" areas the TOCBLOCK lists, as Windows sizes them. */
const CONFIG_SECTORS = 1472;
const LOG_START = VMDB_SECTOR + CONFIG_SECTORS;
const LOG_SECTORS = 224;
const VBLK_FIRST_OFFSET = SECTOR;
const SLOTS_PER_SECTOR = SECTOR / VBLK_SIZE;

export interface PrivHead {
  version: { major: number; minor: number };
  diskGuid: string;
  hostGuid: string;
  diskGroupGuid: string;
  diskGroupName: string;
  /** Sector where the data area (what partition records count from) starts, and its length. */
  logicalDiskStart: number;
  logicalDiskSectors: number;
  /** Absolute sector of the database area, and its length. */
  configStart: number;
  configSectors: number;
}

export interface LdmDatabase {
  privHead: PrivHead;
  /** Commit sequence of the VMDB. */
  sequence: number;
  records: LdmRecord[];
}

/** Windows FILETIME: 100 ns ticks since 1601-01-01. */
function fileTime(date: Date): bigint {
  return (BigInt(date.getTime()) + 11644473600000n) * 10000n;
}

function writeString(b: Buffer, at: number, max: number, s: string): void {
  b.write(s.slice(0, max), at, 'latin1');
}

function readString(b: Buffer, at: number, max: number): string {
  return b.toString('latin1', at, at + max).replace(/\0.*$/s, '');
}

export function encodePrivHead(ph: PrivHead, createdAt: Date): Buffer {
  const b = Buffer.alloc(SECTOR);
  b.write('PRIVHEAD', 0, 'latin1');
  b.writeUInt16BE(ph.version.major, 0x0c);
  b.writeUInt16BE(ph.version.minor, 0x0e);
  b.writeBigUInt64BE(fileTime(createdAt), 0x10);
  writeString(b, 0x30, 64, ph.diskGuid);
  writeString(b, 0x70, 64, ph.hostGuid);
  writeString(b, 0xb0, 64, ph.diskGroupGuid);
  writeString(b, 0xf0, 31, ph.diskGroupName);
  b.writeBigUInt64BE(BigInt(ph.logicalDiskStart), 0x11b);
  b.writeBigUInt64BE(BigInt(ph.logicalDiskSectors), 0x123);
  b.writeBigUInt64BE(BigInt(ph.configStart), 0x12b);
  b.writeBigUInt64BE(BigInt(ph.configSectors), 0x133);
  b.writeBigUInt64BE(2n, 0x13b);
  b.writeBigUInt64BE(1n, 0x143);
  b.writeUInt32BE(1, 0x14b);
  b.writeUInt32BE(1, 0x14f);
  b.writeBigUInt64BE(BigInt(CONFIG_SECTORS), 0x153);
  b.writeBigUInt64BE(BigInt(LOG_SECTORS), 0x15b);
  return b;
}

export function decodePrivHead(b: Buffer): PrivHead | undefined {
  if (b.toString('latin1', 0, 8) !== 'PRIVHEAD') return undefined;
  return {
    version: { major: b.readUInt16BE(0x0c), minor: b.readUInt16BE(0x0e) },
    diskGuid: readString(b, 0x30, 64),
    hostGuid: readString(b, 0x70, 64),
    diskGroupGuid: readString(b, 0xb0, 64),
    diskGroupName: readString(b, 0xf0, 32),
    logicalDiskStart: Number(b.readBigUInt64BE(0x11b)),
    logicalDiskSectors: Number(b.readBigUInt64BE(0x123)),
    configStart: Number(b.readBigUInt64BE(0x12b)),
    configSectors: Number(b.readBigUInt64BE(0x133)),
  };
}

function encodeTocBlock(): Buffer {
  const b = Buffer.alloc(SECTOR);
  b.write('TOCBLOCK', 0, 'latin1');
  b.writeUInt32BE(1, 0x08);
  b.writeUInt32BE(1, 0x10);
  b.write('config', 0x24, 'latin1');
  b.writeBigUInt64BE(BigInt(VMDB_SECTOR), 0x2e);
  b.writeBigUInt64BE(BigInt(CONFIG_SECTORS), 0x36);
  b.write('log', 0x46, 'latin1');
  b.writeBigUInt64BE(BigInt(LOG_START), 0x50);
  b.writeBigUInt64BE(BigInt(LOG_SECTORS), 0x58);
  return b;
}

function encodeVmdb(ph: PrivHead, lastSeq: number, sequence: number, records: LdmRecord[], createdAt: Date): Buffer {
  const b = Buffer.alloc(SECTOR);
  const count = (kind: LdmRecord['kind']) => records.filter((r) => r.kind === kind).length;
  b.write('VMDB', 0, 'latin1');
  b.writeUInt32BE(lastSeq, 0x04);
  b.writeUInt32BE(VBLK_SIZE, 0x08);
  b.writeUInt32BE(VBLK_FIRST_OFFSET, 0x0c);
  // Update status 1: no transaction in progress (the kernel refuses anything else).
  b.writeUInt16BE(1, 0x10);
  b.writeUInt16BE(4, 0x12);
  b.writeUInt16BE(10, 0x14);
  writeString(b, 0x16, 31, ph.diskGroupName);
  writeString(b, 0x35, 64, ph.diskGroupGuid);
  b.writeBigUInt64BE(BigInt(sequence), 0x75);
  b.writeBigUInt64BE(BigInt(sequence), 0x7d);
  [count('volume'), count('component'), count('partition'), count('disk')].forEach((n, i) => {
    b.writeUInt32BE(n, 0x85 + 4 * i);
    b.writeUInt32BE(n, 0xa1 + 4 * i);
  });
  b.writeBigUInt64BE(fileTime(createdAt), 0xbd);
  return b;
}

/** The 1 MiB database area, PRIVHEAD backups included. */
export function encodeDatabase(db: LdmDatabase, createdAt: Date): Buffer {
  const area = Buffer.alloc(DATABASE_SECTORS * SECTOR);
  const privHead = encodePrivHead(db.privHead, createdAt);
  for (const s of PRIVHEAD_BACKUPS) privHead.copy(area, s * SECTOR);
  const toc = encodeTocBlock();
  for (const s of TOCBLOCKS) toc.copy(area, s * SECTOR);
  // Sequence numbers count VBLK slots from the VMDB's own sector; records start in the next one.
  let seq = VBLK_FIRST_OFFSET / VBLK_SIZE;
  const slots: Buffer[] = [];
  for (const r of db.records) {
    const parts = encodeRecord(r, seq, db.sequence);
    slots.push(...parts);
    seq += parts.length;
  }
  // The kernel reads whole sectors of slots up to the last sequence number: fill the last sector.
  while (seq % SLOTS_PER_SECTOR !== 0) slots.push(blankSlot(seq++));
  if (seq * VBLK_SIZE > CONFIG_SECTORS * SECTOR) throw new RangeError(`LDM database overflow: ${db.records.length} records`);
  encodeVmdb(db.privHead, seq, db.sequence, db.records, createdAt).copy(area, VMDB_SECTOR * SECTOR);
  Buffer.concat(slots).copy(area, VMDB_SECTOR * SECTOR + VBLK_FIRST_OFFSET);
  return area;
}

/** Parses a database area read from `privHead.configStart`. */
export function decodeDatabase(privHead: PrivHead, area: Buffer): LdmDatabase {
  const toc = [2, 1, 2045, 2046].map((s) => area.subarray(s * SECTOR, (s + 1) * SECTOR)).find((b) => b.toString('latin1', 0, 8) === 'TOCBLOCK');
  if (!toc) throw new Error('LDM: no TOCBLOCK in the database');
  const bitmaps = [0x24, 0x46].map((at) => ({ name: readString(toc, at, 8), start: Number(toc.readBigUInt64BE(at + 10)) }));
  const config = bitmaps.find((m) => m.name === 'config');
  if (!config) throw new Error('LDM: the TOCBLOCK lists no config area');
  const vmdb = area.subarray(config.start * SECTOR);
  if (vmdb.toString('latin1', 0, 4) !== 'VMDB') throw new Error(`LDM: no VMDB at database sector ${config.start}`);
  const slotSize = vmdb.readUInt32BE(0x08);
  if (slotSize !== VBLK_SIZE) throw new Error(`LDM: VBLK size ${slotSize} is not supported`);
  const records = decodeSlots(vmdb.subarray(vmdb.readUInt32BE(0x0c)));
  return { privHead, sequence: Number(vmdb.readBigUInt64BE(0x75)), records };
}
