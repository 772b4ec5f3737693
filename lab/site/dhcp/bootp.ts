// BOOTP/DHCP packet codec (RFC 951, RFC 2131/2132) with the PXE options (RFC 4578: 93, 94, 97),
// shared by the subnet's DHCP server and the PXE responder's proxyDHCP.

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
const MAGIC_COOKIE = 0x63825363;
const FIXED_LENGTH = 236;

export const DhcpMessage = { discover: 1, offer: 2, request: 3, decline: 4, ack: 5, nak: 6, release: 7, inform: 8 } as const;
export type DhcpMessageType = (typeof DhcpMessage)[keyof typeof DhcpMessage];

export const DhcpOption = {
  subnetMask: 1,
  router: 3,
  hostName: 12,
  vendorSpecific: 43,
  requestedAddress: 50,
  leaseTime: 51,
  messageType: 53,
  serverId: 54,
  parameterList: 55,
  vendorClass: 60,
  clientId: 61,
  tftpServer: 66,
  bootFile: 67,
  clientArch: 93,
  clientNdi: 94,
  clientGuid: 97,
  end: 255,
  pad: 0,
} as const;

export interface BootpPacket {
  op: typeof BOOTREQUEST | typeof BOOTREPLY;
  xid: number;
  secs: number;
  /** Bit 15: the client asks for a broadcast reply. */
  flags: number;
  ciaddr: string;
  yiaddr: string;
  /** "next server": where the boot file is fetched by TFTP. */
  siaddr: string;
  giaddr: string;
  /** Client hardware address, "52:54:00:aa:bb:cc" (Ethernet only). */
  chaddr: string;
  sname: string;
  file: string;
  /** Options in packet order; each value without its code and length bytes. */
  options: Map<number, Buffer>;
}

export class BootpDecodeError extends Error {
  override name = 'BootpDecodeError';
}

const ipAt = (b: Buffer, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

function writeIp(b: Buffer, o: number, ip: string): void {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new RangeError(`not an IPv4 address: "${ip}"`);
  parts.forEach((p, i) => (b[o + i] = p));
}

const cString = (b: Buffer): string => {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('latin1');
};

export function decodeBootp(buf: Buffer): BootpPacket {
  if (buf.length < FIXED_LENGTH + 4) throw new BootpDecodeError(`packet of ${buf.length} bytes is shorter than BOOTP's ${FIXED_LENGTH + 4}`);
  const op = buf[0];
  if (op !== BOOTREQUEST && op !== BOOTREPLY) throw new BootpDecodeError(`op ${op} is neither BOOTREQUEST nor BOOTREPLY`);
  if (buf[1] !== 1 || buf[2] !== 6) throw new BootpDecodeError(`hardware type ${buf[1]}/length ${buf[2]} is not Ethernet`);
  if (buf.readUInt32BE(FIXED_LENGTH) !== MAGIC_COOKIE) throw new BootpDecodeError('no DHCP magic cookie');
  const options = new Map<number, Buffer>();
  let i = FIXED_LENGTH + 4;
  while (i < buf.length) {
    const code = buf[i++]!;
    if (code === DhcpOption.pad) continue;
    if (code === DhcpOption.end) break;
    if (i >= buf.length) throw new BootpDecodeError(`option ${code} has no length byte`);
    const len = buf[i++]!;
    if (i + len > buf.length) throw new BootpDecodeError(`option ${code} runs past the end of the packet`);
    // RFC 3396: a repeated option is one long option.
    const value = buf.subarray(i, i + len);
    const prev = options.get(code);
    options.set(code, prev ? Buffer.concat([prev, value]) : Buffer.from(value));
    i += len;
  }
  return {
    op,
    xid: buf.readUInt32BE(4),
    secs: buf.readUInt16BE(8),
    flags: buf.readUInt16BE(10),
    ciaddr: ipAt(buf, 12),
    yiaddr: ipAt(buf, 16),
    siaddr: ipAt(buf, 20),
    giaddr: ipAt(buf, 24),
    chaddr: [...buf.subarray(28, 34)].map((x) => x.toString(16).padStart(2, '0')).join(':'),
    sname: cString(buf.subarray(44, 108)),
    file: cString(buf.subarray(108, 236)),
    options,
  };
}

export function encodeBootp(p: BootpPacket): Buffer {
  const opts: Buffer[] = [];
  for (const [code, value] of p.options) {
    for (let o = 0; o < value.length || o === 0; o += 255) {
      const part = value.subarray(o, o + 255);
      opts.push(Buffer.from([code, part.length]), part);
    }
  }
  const body = Buffer.concat([...opts, Buffer.from([DhcpOption.end])]);
  // Some PXE ROMs drop replies shorter than the classic 300-byte BOOTP frame.
  const buf = Buffer.alloc(Math.max(300, FIXED_LENGTH + 4 + body.length));
  buf[0] = p.op;
  buf[1] = 1;
  buf[2] = 6;
  buf.writeUInt32BE(p.xid >>> 0, 4);
  buf.writeUInt16BE(p.secs, 8);
  buf.writeUInt16BE(p.flags, 10);
  writeIp(buf, 12, p.ciaddr);
  writeIp(buf, 16, p.yiaddr);
  writeIp(buf, 20, p.siaddr);
  writeIp(buf, 24, p.giaddr);
  const mac = p.chaddr.split(':').map((h) => parseInt(h, 16));
  if (mac.length !== 6 || mac.some((x) => !(x >= 0 && x <= 255))) throw new RangeError(`not a MAC address: "${p.chaddr}"`);
  mac.forEach((x, i) => (buf[28 + i] = x));
  if (Buffer.byteLength(p.sname, 'latin1') > 63) throw new RangeError(`sname "${p.sname}" is longer than 63 bytes`);
  if (Buffer.byteLength(p.file, 'latin1') > 127) throw new RangeError(`boot file "${p.file}" is longer than 127 bytes`);
  buf.write(p.sname, 44, 'latin1');
  buf.write(p.file, 108, 'latin1');
  buf.writeUInt32BE(MAGIC_COOKIE, FIXED_LENGTH);
  body.copy(buf, FIXED_LENGTH + 4);
  return buf;
}

export function messageType(p: BootpPacket): DhcpMessageType | undefined {
  const v = p.options.get(DhcpOption.messageType);
  return v && v.length === 1 ? (v[0] as DhcpMessageType) : undefined;
}

export function optionString(p: BootpPacket, code: number): string | undefined {
  return p.options.get(code)?.toString('latin1');
}

export function optionIp(p: BootpPacket, code: number): string | undefined {
  const v = p.options.get(code);
  return v && v.length === 4 ? ipAt(v, 0) : undefined;
}

/** Option 93 (RFC 4578): the first architecture type the client lists. */
export function clientArchitectureType(p: BootpPacket): number | undefined {
  const v = p.options.get(DhcpOption.clientArch);
  return v && v.length >= 2 ? v.readUInt16BE(0) : undefined;
}

/**
 * Option 97: type 0 and the 16-byte SMBIOS UUID, printed as SMSPXE and the SMBIOS tables print it
 * (the first three fields little-endian, as PXE ROMs copy them from SMBIOS).
 */
export function clientGuid(p: BootpPacket): string | undefined {
  const v = p.options.get(DhcpOption.clientGuid);
  if (!v || v.length !== 17 || v[0] !== 0) return undefined;
  const u = v.subarray(1);
  const hex = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
  const le = (b: Buffer) => hex(Buffer.from(b).reverse());
  return `${le(u.subarray(0, 4))}-${le(u.subarray(4, 6))}-${le(u.subarray(6, 8))}-${hex(u.subarray(8, 10))}-${hex(u.subarray(10, 16))}`;
}

/** Option 97's value for a GUID as SMBIOS prints it (the inverse of clientGuid). */
export function encodeClientGuid(guid: string): Buffer {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(guid);
  if (!m) throw new RangeError(`not a GUID: "${guid}"`);
  const le = (h: string) => Buffer.from(h, 'hex').reverse();
  return Buffer.concat([Buffer.from([0]), le(m[1]!), le(m[2]!), le(m[3]!), Buffer.from(m[4]! + m[5]!, 'hex')]);
}

export const ipOption = (ip: string): Buffer => {
  const b = Buffer.alloc(4);
  writeIp(b, 0, ip);
  return b;
};

export const uint32Option = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** A reply to `request` with the client's identity copied over (xid, flags, chaddr, giaddr). */
export function replyTo(request: BootpPacket, fields: Partial<BootpPacket> & { options: Map<number, Buffer> }): BootpPacket {
  return {
    op: BOOTREPLY,
    xid: request.xid,
    secs: 0,
    flags: request.flags,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: request.giaddr,
    chaddr: request.chaddr,
    sname: '',
    file: '',
    ...fields,
  };
}
