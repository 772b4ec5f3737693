// VBLK records of the Windows Logical Disk Manager database: disk group, disk, volume, component
// and partition. Each record sits in one or more fixed-size VBLK slots; after a 16-byte slot
// header comes the record header (status, flags, type = revision << 4 | kind, data size) and the
// data: variable-width big-endian numbers and strings with a length byte, and fixed fields.
// Layout facts from the Linux kernel's LDM documentation (block/partitions/ldm.h) and libldm.
// Fields neither Windows' readers nor the Linux ones interpret are written as zeroes.

export const VBLK_SIZE = 128;
const SLOT_HEADER = 16;
const RECORD_HEADER = 8;

export type ComponentKind = 'spanned' | 'striped' | 'raid';
const COMPONENT_TYPE: Record<ComponentKind, number> = { striped: 1, spanned: 2, raid: 3 };
const VOLUME_TYPE_GEN = 3;
const VOLUME_TYPE_RAID5 = 4;
const PARTITION_FLAG_INDEX = 0x08;
const COMPONENT_FLAG_STRIPE = 0x10;

export interface DiskGroupRecord {
  kind: 'diskGroup';
  id: number;
  name: string;
  guid: string;
}
export interface DiskRecord {
  kind: 'disk';
  id: number;
  name: string;
  guid: string;
}
export interface VolumeRecord {
  kind: 'volume';
  id: number;
  name: string;
  /** "gen" for simple, spanned, striped and mirrored volumes; "raid5" for RAID-5. */
  volumeType: 'gen' | 'raid5';
  number: number;
  components: number;
  sizeSectors: number;
  /** MBR type byte the volume would have on a basic disk (0x07 NTFS, 0x0C FAT32). */
  partitionType: number;
  guid: string;
}
export interface ComponentRecord {
  kind: 'component';
  id: number;
  name: string;
  type: ComponentKind;
  parts: number;
  volumeId: number;
  stripeSectors?: number;
  columns?: number;
}
export interface PartitionRecord {
  kind: 'partition';
  id: number;
  name: string;
  /** Sectors from the start of the disk's LDM data area. */
  startSector: number;
  volumeOffsetSectors: number;
  sizeSectors: number;
  componentId: number;
  diskId: number;
  index?: number;
}
export type LdmRecord = DiskGroupRecord | DiskRecord | VolumeRecord | ComponentRecord | PartitionRecord;

/** GUID string in the byte order libuuid and the kernel's uuid_t use (as written). */
function uuidBytes(guid: string): Buffer {
  return Buffer.from(guid.replace(/-/g, ''), 'hex');
}

function uuidString(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

class Writer {
  private readonly parts: Buffer[] = [];
  num(value: number): this {
    const bytes: number[] = [];
    let v = BigInt(value);
    do {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    } while (v > 0n);
    this.parts.push(Buffer.from([bytes.length, ...bytes]));
    return this;
  }
  str(value: string): this {
    const b = Buffer.from(value, 'latin1');
    if (b.length > 255) throw new RangeError(`LDM name too long: ${value}`);
    this.parts.push(Buffer.from([b.length]), b);
    return this;
  }
  bytes(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  zeros(n: number): this {
    return this.bytes(Buffer.alloc(n));
  }
  u8(v: number): this {
    return this.bytes(Buffer.from([v]));
  }
  u64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(v));
    return this.bytes(b);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  constructor(
    private readonly b: Buffer,
    private at = 0,
  ) {}
  num(): number {
    const n = this.u8();
    if (n > 8) throw new Error(`LDM: a ${n}-byte number`);
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.u8());
    return Number(v);
  }
  str(): string {
    const n = this.u8();
    const s = this.b.toString('latin1', this.at, this.at + n);
    this.at += n;
    return s;
  }
  skip(n: number): this {
    this.at += n;
    return this;
  }
  u8(): number {
    if (this.at >= this.b.length) throw new Error('LDM: record runs past its VBLKs');
    return this.b[this.at++]!;
  }
  u64(): number {
    const v = this.b.readBigUInt64BE(this.at);
    this.at += 8;
    return Number(v);
  }
  raw(n: number): Buffer {
    const r = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return r;
  }
}

/** Record data (what follows the record header) and its type byte and flags. */
function encodeData(r: LdmRecord, commitId: number): { type: number; flags: number; data: Buffer } {
  const w = new Writer().num(r.id).str(r.name);
  switch (r.kind) {
    case 'diskGroup':
      // Revision 4: group GUID, disk-set GUID, 4 unknown bytes, commit id.
      return { type: 0x45, flags: 0, data: w.bytes(uuidBytes(r.guid)).zeros(16 + 4).u64(commitId).done() };
    case 'disk':
      // Revision 4: disk GUID and 29 bytes no reader interprets.
      return { type: 0x44, flags: 0, data: w.bytes(uuidBytes(r.guid)).zeros(29).done() };
    case 'volume': {
      const state = Buffer.alloc(14);
      state.write('ACTIVE', 'latin1');
      w.str(r.volumeType).str('').bytes(state).u8(r.volumeType === 'raid5' ? VOLUME_TYPE_RAID5 : VOLUME_TYPE_GEN).u8(0).u8(r.number).zeros(3).u8(0);
      w.num(r.components).u64(commitId).zeros(8).num(r.sizeSectors).zeros(4).u8(r.partitionType).bytes(uuidBytes(r.guid));
      return { type: 0x51, flags: 0, data: w.done() };
    }
    case 'component': {
      w.str('ACTIVE').u8(COMPONENT_TYPE[r.type]).zeros(4).num(r.parts).u64(commitId).zeros(8).num(r.volumeId).zeros(1);
      const striped = r.stripeSectors !== undefined;
      if (striped) w.num(r.stripeSectors!).num(r.columns ?? r.parts);
      return { type: 0x32, flags: striped ? COMPONENT_FLAG_STRIPE : 0, data: w.done() };
    }
    case 'partition': {
      w.zeros(4).u64(commitId).u64(r.startSector).u64(r.volumeOffsetSectors).num(r.sizeSectors).num(r.componentId).num(r.diskId);
      if (r.index !== undefined) w.num(r.index);
      return { type: 0x33, flags: r.index !== undefined ? PARTITION_FLAG_INDEX : 0, data: w.done() };
    }
  }
}

/** The VBLK slots of one record: the first holds seq `seq`, a longer record continues in the next. */
export function encodeRecord(r: LdmRecord, seq: number, commitId: number): Buffer[] {
  const { type, flags, data } = encodeData(r, commitId);
  const head = Buffer.alloc(RECORD_HEADER);
  head[2] = flags;
  head[3] = type;
  head.writeUInt32BE(data.length, 4);
  const body = Buffer.concat([head, data]);
  const perSlot = VBLK_SIZE - SLOT_HEADER;
  const count = Math.ceil(body.length / perSlot);
  if (count > 4) throw new RangeError(`LDM record ${r.name} is too long for four VBLKs`);
  return Array.from({ length: count }, (_, i) => {
    const slot = Buffer.alloc(VBLK_SIZE);
    slot.write('VBLK', 0, 'latin1');
    slot.writeUInt32BE(seq + i, 4);
    slot.writeUInt32BE(seq, 8);
    slot.writeUInt16BE(i, 12);
    slot.writeUInt16BE(count, 14);
    body.copy(slot, SLOT_HEADER, i * perSlot, Math.min(body.length, (i + 1) * perSlot));
    return slot;
  });
}

/** An unused slot: the magic and its sequence number, no record. */
export function blankSlot(seq: number): Buffer {
  const slot = Buffer.alloc(VBLK_SIZE);
  slot.write('VBLK', 0, 'latin1');
  slot.writeUInt32BE(seq, 4);
  return slot;
}

/** Parses one record from its joined data (record header first); undefined for a blank record. */
export function decodeRecord(body: Buffer): LdmRecord | undefined {
  const flags = body[2]!;
  const type = body[3]!;
  const revision = type >> 4;
  const r = new Reader(body, RECORD_HEADER);
  switch (type & 0x0f) {
    case 0:
      return undefined;
    case 5: {
      const id = r.num();
      const name = r.str();
      const guid = revision === 3 ? r.str() : uuidString(r.raw(16));
      return { kind: 'diskGroup', id, name, guid };
    }
    case 4: {
      const id = r.num();
      const name = r.str();
      const guid = revision === 3 ? r.str() : uuidString(r.raw(16));
      return { kind: 'disk', id, name, guid };
    }
    case 1: {
      if (revision !== 5) throw new Error(`LDM: volume VBLK revision ${revision} is not supported`);
      const id = r.num();
      const name = r.str();
      const volumeType = r.str() === 'raid5' ? 'raid5' : 'gen';
      r.str();
      r.skip(14 + 1 + 1);
      const number = r.u8();
      r.skip(3 + 1);
      const components = r.num();
      r.skip(16);
      const sizeSectors = r.num();
      r.skip(4);
      const partitionType = r.u8();
      return { kind: 'volume', id, name, volumeType, number, components, sizeSectors, partitionType, guid: uuidString(r.raw(16)) };
    }
    case 2: {
      const id = r.num();
      const name = r.str();
      r.str();
      const t = r.u8();
      const kind = (Object.keys(COMPONENT_TYPE) as ComponentKind[]).find((k) => COMPONENT_TYPE[k] === t);
      if (!kind) throw new Error(`LDM: component ${name} has unknown type ${t}`);
      r.skip(4);
      const parts = r.num();
      r.skip(16);
      const volumeId = r.num();
      r.skip(1);
      const component: ComponentRecord = { kind: 'component', id, name, type: kind, parts, volumeId };
      if (flags & COMPONENT_FLAG_STRIPE) Object.assign(component, { stripeSectors: r.num(), columns: r.num() });
      return component;
    }
    case 3: {
      const id = r.num();
      const name = r.str();
      r.skip(4 + 8);
      const startSector = r.u64();
      const volumeOffsetSectors = r.u64();
      const sizeSectors = r.num();
      const componentId = r.num();
      const diskId = r.num();
      const partition: PartitionRecord = { kind: 'partition', id, name, startSector, volumeOffsetSectors, sizeSectors, componentId, diskId };
      if (flags & PARTITION_FLAG_INDEX) partition.index = r.num();
      return partition;
    }
    default:
      throw new Error(`LDM: unknown VBLK type 0x${type.toString(16)}`);
  }
}

/** Joins the VBLK slots of a database area into record bodies (multi-slot records joined). */
export function decodeSlots(area: Buffer): LdmRecord[] {
  const records: LdmRecord[] = [];
  const pending = new Map<number, { total: number; parts: Map<number, Buffer> }>();
  for (let at = 0; at + VBLK_SIZE <= area.length; at += VBLK_SIZE) {
    const slot = area.subarray(at, at + VBLK_SIZE);
    if (slot.toString('latin1', 0, 4) !== 'VBLK') break;
    const total = slot.readUInt16BE(14);
    if (total === 0) continue;
    const body = slot.subarray(SLOT_HEADER);
    if (total === 1) {
      const rec = decodeRecord(body);
      if (rec) records.push(rec);
      continue;
    }
    const group = slot.readUInt32BE(8);
    const entry = pending.get(group) ?? { total, parts: new Map<number, Buffer>() };
    entry.parts.set(slot.readUInt16BE(12), body);
    pending.set(group, entry);
  }
  for (const [group, { total, parts }] of pending) {
    if (parts.size !== total) throw new Error(`LDM: record ${group} has ${parts.size} of its ${total} VBLKs`);
    const rec = decodeRecord(Buffer.concat([...parts.keys()].sort((a, b) => a - b).map((k) => parts.get(k)!)));
    if (rec) records.push(rec);
  }
  return records;
}
