// TFTP packets (RFC 1350) with option negotiation (RFC 2347: OACK; 2348 blksize; 2349 tsize and
// timeout; 7440 windowsize).

export const TftpOp = { rrq: 1, wrq: 2, data: 3, ack: 4, error: 5, oack: 6 } as const;

export const TftpErrorCode = {
  notDefined: 0,
  fileNotFound: 1,
  accessViolation: 2,
  illegalOperation: 4,
  unknownTransferId: 5,
  optionNegotiation: 8,
} as const;

export const MIN_BLOCK_SIZE = 8;
export const MAX_BLOCK_SIZE = 65464;
export const MAX_WINDOW_SIZE = 65535;

export type TftpPacket =
  | { op: 'rrq' | 'wrq'; file: string; mode: string; options: Map<string, string> }
  | { op: 'data'; block: number; data: Buffer }
  | { op: 'ack'; block: number }
  | { op: 'error'; code: number; message: string }
  | { op: 'oack'; options: Map<string, string> };

export class TftpError extends Error {
  override name = 'TftpError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function strings(buf: Buffer, from: number): string[] {
  const out: string[] = [];
  let i = from;
  while (i < buf.length) {
    const nul = buf.indexOf(0, i);
    if (nul < 0) throw new TftpError(TftpErrorCode.illegalOperation, 'unterminated string in request');
    out.push(buf.toString('latin1', i, nul));
    i = nul + 1;
  }
  return out;
}

function optionMap(pairs: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < pairs.length; i += 2) m.set(pairs[i]!.toLowerCase(), pairs[i + 1]!);
  return m;
}

export function decodeTftp(buf: Buffer): TftpPacket {
  if (buf.length < 4) throw new TftpError(TftpErrorCode.illegalOperation, `packet of ${buf.length} bytes`);
  const op = buf.readUInt16BE(0);
  switch (op) {
    case TftpOp.rrq:
    case TftpOp.wrq: {
      const [file, mode, ...rest] = strings(buf, 2);
      if (file === undefined || mode === undefined) throw new TftpError(TftpErrorCode.illegalOperation, 'request without file name or mode');
      return { op: op === TftpOp.rrq ? 'rrq' : 'wrq', file, mode: mode.toLowerCase(), options: optionMap(rest) };
    }
    case TftpOp.data:
      return { op: 'data', block: buf.readUInt16BE(2), data: buf.subarray(4) };
    case TftpOp.ack:
      return { op: 'ack', block: buf.readUInt16BE(2) };
    case TftpOp.error: {
      const nul = buf.indexOf(0, 4);
      return { op: 'error', code: buf.readUInt16BE(2), message: buf.toString('latin1', 4, nul < 0 ? buf.length : nul) };
    }
    case TftpOp.oack:
      return { op: 'oack', options: optionMap(strings(buf, 2)) };
    default:
      throw new TftpError(TftpErrorCode.illegalOperation, `unknown opcode ${op}`);
  }
}

const z = (s: string) => Buffer.from(`${s}\0`, 'latin1');
const head = (op: number, n?: number) => {
  const b = Buffer.alloc(n === undefined ? 2 : 4);
  b.writeUInt16BE(op, 0);
  if (n !== undefined) b.writeUInt16BE(n & 0xffff, 2);
  return b;
};
const optionBytes = (options: Map<string, string>) => [...options].flatMap(([k, v]) => [z(k), z(v)]);

export const encodeRequest = (file: string, options: Map<string, string>, mode = 'octet'): Buffer =>
  Buffer.concat([head(TftpOp.rrq), z(file), z(mode), ...optionBytes(options)]);
export const encodeAck = (block: number): Buffer => head(TftpOp.ack, block);
export const encodeError = (code: number, message: string): Buffer => Buffer.concat([head(TftpOp.error, code), z(message)]);
export const encodeOack = (options: Map<string, string>): Buffer => Buffer.concat([head(TftpOp.oack), ...optionBytes(options)]);

/** The absolute block number a 16-bit one stands for, at or after `base` (blocks roll over 65535 → 0). */
export function unwrapBlock(block16: number, base: number): number {
  return base + ((block16 - (base & 0xffff) + 0x10000) & 0xffff);
}
