// The distribution point's TFTP server: read requests only, each transfer on its own port (TID),
// blksize/tsize/timeout/windowsize negotiated, capped by the scenario's RamDiskTFTPBlockSize and
// RamDiskTFTPWindowSize, files confined to the boot-file root, retransmission on timeout.
import { createSocket, type Socket } from 'node:dgram';
import { open, type FileHandle } from 'node:fs/promises';
import { resolveBootFile } from './boot-file-root.js';
import {
  MAX_BLOCK_SIZE,
  MAX_WINDOW_SIZE,
  MIN_BLOCK_SIZE,
  TftpError,
  TftpErrorCode,
  decodeTftp,
  encodeData,
  encodeError,
  encodeOack,
  unwrapBlock,
} from './packets.js';

export interface TftpServerOptions {
  /** The boot-file root (RemoteInstall). */
  root: string;
  /** Default 0.0.0.0. */
  address?: string;
  /** Default 69; 0 picks a free port (tests). */
  port?: number;
  /** RamDiskTFTPBlockSize: the largest block size agreed to. Default 65464. */
  maxBlockSize?: number;
  /** RamDiskTFTPWindowSize: the largest window agreed to. Default 64. */
  maxWindowSize?: number;
  /** Retransmission timeout when the client does not ask for one. Default 1000 ms. */
  timeoutMs?: number;
  /** Retransmissions of one window before the transfer is given up. Default 5. */
  retries?: number;
  log?: (message: string) => void;
}

export interface TftpTransferRecord {
  client: string;
  file: string;
  blockSize: number;
  windowSize: number;
  bytes: number;
  retransmits: number;
  outcome: 'complete' | 'error' | 'abandoned' | 'aborted by client';
  error?: string;
}

/** Blocks are read from the file a chunk at a time; a chunk holds whole blocks. */
const CHUNK_BLOCKS = 256;

export class TftpServer {
  private readonly transfers = new Set<Transfer>();
  readonly completed: TftpTransferRecord[] = [];

  private constructor(
    private readonly options: TftpServerOptions,
    private readonly socket: Socket,
  ) {}

  static async start(options: TftpServerOptions): Promise<TftpServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 69, options.address ?? '0.0.0.0', () => resolve());
    });
    socket.removeAllListeners('error');
    socket.on('error', () => undefined);
    const server = new TftpServer(options, socket);
    socket.on('message', (msg, rinfo) => void server.onRequest(msg, rinfo));
    return server;
  }

  get port(): number {
    return this.socket.address().port;
  }

  get activeTransfers(): number {
    return this.transfers.size;
  }

  async close(): Promise<void> {
    for (const t of [...this.transfers]) t.finish('abandoned', 'server closed');
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  private async onRequest(msg: Buffer, rinfo: { address: string; port: number }): Promise<void> {
    const client = `${rinfo.address}:${rinfo.port}`;
    const replyError = (code: number, message: string): void => {
      this.log(`${client}: ${message}`);
      this.socket.send(encodeError(code, message), rinfo.port, rinfo.address);
    };
    let request;
    try {
      request = decodeTftp(msg);
    } catch (e) {
      return replyError(TftpErrorCode.illegalOperation, (e as Error).message);
    }
    if (request.op === 'wrq') return replyError(TftpErrorCode.accessViolation, 'Access violation: the boot-file root is read-only');
    if (request.op !== 'rrq') return;
    if (request.mode !== 'octet' && request.mode !== 'netascii') return replyError(TftpErrorCode.illegalOperation, `mode "${request.mode}" is not supported`);
    let file: FileHandle;
    let size: number;
    try {
      const path = await resolveBootFile(this.options.root, request.file);
      file = await open(path, 'r');
      size = (await file.stat()).size;
    } catch (e) {
      if (e instanceof TftpError) return replyError(e.code, `${request.file}: ${e.message}`);
      return replyError(TftpErrorCode.notDefined, `${request.file}: ${(e as Error).message}`);
    }
    const o = this.options;
    const accepted = new Map<string, string>();
    let blockSize = 512;
    let windowSize = 1;
    let timeoutMs = o.timeoutMs ?? 1000;
    const asked = request.options;
    const num = (k: string) => (asked.has(k) && /^\d+$/.test(asked.get(k)!) ? Number(asked.get(k)) : undefined);
    const bs = num('blksize');
    if (bs !== undefined && bs >= MIN_BLOCK_SIZE) {
      blockSize = Math.min(bs, MAX_BLOCK_SIZE, o.maxBlockSize ?? MAX_BLOCK_SIZE);
      accepted.set('blksize', String(blockSize));
    }
    const ws = num('windowsize');
    if (ws !== undefined && ws >= 1) {
      windowSize = Math.min(ws, MAX_WINDOW_SIZE, o.maxWindowSize ?? 64);
      accepted.set('windowsize', String(windowSize));
    }
    const to = num('timeout');
    if (to !== undefined && to >= 1 && to <= 255) {
      timeoutMs = to * 1000;
      accepted.set('timeout', String(to));
    }
    if (num('tsize') !== undefined) accepted.set('tsize', String(size));
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, o.address ?? '0.0.0.0', () => resolve()));
    const transfer = new Transfer(
      { socket, file, size, client: rinfo, name: request.file, blockSize, windowSize, timeoutMs, retries: o.retries ?? 5, oack: accepted.size > 0 ? accepted : undefined },
      (record) => {
        this.transfers.delete(transfer);
        this.completed.push(record);
        this.log(`${client}: ${record.file} ${record.outcome} (${record.bytes} bytes, blksize ${record.blockSize}, windowsize ${record.windowSize}, ${record.retransmits} retransmits)${record.error ? `: ${record.error}` : ''}`);
      },
    );
    this.transfers.add(transfer);
    transfer.start();
  }
}

interface TransferSetup {
  socket: Socket;
  file: FileHandle;
  size: number;
  client: { address: string; port: number };
  name: string;
  blockSize: number;
  windowSize: number;
  timeoutMs: number;
  retries: number;
  oack?: Map<string, string>;
}

/** One read transfer: a window of blocks out, an ACK back, the window slides; a timeout resends. */
class Transfer {
  private readonly totalBlocks: number;
  /** Last block the client acknowledged (0 = the OACK, or nothing yet). */
  private acked = 0;
  private lastSent = 0;
  private attempts = 0;
  private retransmits = 0;
  private timer?: NodeJS.Timeout;
  private done = false;
  private readonly chunks = new Map<number, Buffer>();
  /** The partial ACK that already made the window go out again (RFC 7440 §4), so a repeat does not. */
  private resentFor = -1;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly s: TransferSetup,
    private readonly onDone: (record: TftpTransferRecord) => void,
  ) {
    this.totalBlocks = Math.floor(s.size / s.blockSize) + 1;
    s.socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== s.client.address || rinfo.port !== s.client.port) {
        s.socket.send(encodeError(TftpErrorCode.unknownTransferId, 'Unknown transfer ID'), rinfo.port, rinfo.address);
        return;
      }
      // One packet at a time: a window being read from disk is not interleaved with the next ACK's.
      this.queue = this.queue.then(() => this.onPacket(msg)).catch((e: Error) => this.fail(TftpErrorCode.notDefined, e.message));
    });
    s.socket.on('error', () => undefined);
  }

  start(): void {
    if (this.s.oack) this.sendOack();
    else this.enqueueWindow();
  }

  private enqueueWindow(): void {
    this.queue = this.queue.then(() => this.sendWindow()).catch((e: Error) => this.fail(TftpErrorCode.notDefined, e.message));
  }

  private sendOack(): void {
    this.s.socket.send(encodeOack(this.s.oack!), this.s.client.port, this.s.client.address);
    this.arm();
  }

  private async onPacket(msg: Buffer): Promise<void> {
    if (this.done) return;
    const p = decodeTftp(msg);
    if (p.op === 'error') return this.finish('aborted by client', p.message);
    if (p.op !== 'ack') return;
    const block = unwrapBlock(p.block, this.acked);
    // An ACK for something not sent yet is an old duplicate seen through the 16-bit rollover.
    if (block > this.lastSent) return;
    if (block === this.totalBlocks) return this.finish('complete');
    if (block < this.lastSent) {
      // Lockstep: a duplicate ACK is not a request to resend (Sorcerer's Apprentice); the timer is.
      if (this.s.windowSize === 1 || block === this.resentFor) return;
      this.resentFor = block;
      this.retransmits += this.lastSent - block;
    }
    this.acked = block;
    this.attempts = 0;
    await this.sendWindow();
  }

  private async block(n: number): Promise<Buffer> {
    const bs = this.s.blockSize;
    const chunkIndex = Math.floor((n - 1) / CHUNK_BLOCKS);
    let chunk = this.chunks.get(chunkIndex);
    if (!chunk) {
      const start = chunkIndex * CHUNK_BLOCKS * bs;
      const length = Math.max(0, Math.min(CHUNK_BLOCKS * bs, this.s.size - start));
      chunk = Buffer.allocUnsafe(length);
      if (length > 0) await this.s.file.read(chunk, 0, length, start);
      // Keep the chunk before (a resend may reach back into it) and this one.
      for (const k of this.chunks.keys()) if (k < chunkIndex - 1) this.chunks.delete(k);
      this.chunks.set(chunkIndex, chunk);
    }
    const offset = ((n - 1) % CHUNK_BLOCKS) * bs;
    return chunk.subarray(offset, Math.min(offset + bs, chunk.length));
  }

  private async sendWindow(): Promise<void> {
    const last = Math.min(this.acked + this.s.windowSize, this.totalBlocks);
    for (let n = this.acked + 1; n <= last; n++) {
      const data = await this.block(n);
      if (this.done) return;
      this.s.socket.send(encodeData(n, data), this.s.client.port, this.s.client.address);
      this.lastSent = Math.max(this.lastSent, n);
    }
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimeout(), this.s.timeoutMs);
  }

  private onTimeout(): void {
    if (this.done) return;
    if (++this.attempts > this.s.retries) return this.finish('abandoned', `no ACK after ${this.s.retries} retransmissions`);
    this.resentFor = -1;
    if (this.lastSent === 0 && this.s.oack) return this.sendOack();
    this.retransmits += Math.max(1, this.lastSent - this.acked);
    this.lastSent = this.acked;
    this.enqueueWindow();
  }

  private fail(code: number, message: string): void {
    if (this.done) return;
    this.s.socket.send(encodeError(code, message), this.s.client.port, this.s.client.address);
    this.finish('error', message);
  }

  finish(outcome: TftpTransferRecord['outcome'], error?: string): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    const bytes = outcome === 'complete' ? this.s.size : Math.min(this.s.size, this.acked * this.s.blockSize);
    // Close after pending sends (a final ERROR) have left.
    setImmediate(() => this.s.socket.close());
    void this.s.file.close();
    this.onDone({
      client: `${this.s.client.address}:${this.s.client.port}`,
      file: this.s.name,
      blockSize: this.s.blockSize,
      windowSize: this.s.windowSize,
      bytes,
      retransmits: this.retransmits,
      outcome,
      ...(error !== undefined ? { error } : {}),
    });
  }
}
