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
  TftpOp,
  decodeTftp,
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

/** Blocks are read from the file about this many bytes at a time (a chunk holds whole blocks). */
const CHUNK_BYTES = 1024 * 1024;

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
    // Connected: the kernel keeps other TIDs out and sends skip the address lookup per block.
    await new Promise<void>((resolve) => socket.connect(rinfo.port, rinfo.address, () => resolve()));
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
  private readonly chunkBlocks: number;
  /** Last block the client acknowledged (0 = the OACK, or nothing yet). */
  private acked = 0;
  private lastSent = 0;
  private attempts = 0;
  private retransmits = 0;
  private timer?: NodeJS.Timeout;
  private progress = 0;
  private progressAtTick = 0;
  private done = false;
  private readonly chunks = new Map<number, { packets: Buffer[] }>();
  /** The partial ACK that already made the window go out again (RFC 7440 §4), so a repeat does not. */
  private resentFor = -1;
  /** While a chunk is read from disk, packets wait here, in order. */
  private reading = false;
  private readonly waiting: Buffer[] = [];

  constructor(
    private readonly s: TransferSetup,
    private readonly onDone: (record: TftpTransferRecord) => void,
  ) {
    this.totalBlocks = Math.floor(s.size / s.blockSize) + 1;
    this.chunkBlocks = Math.max(1, Math.floor(CHUNK_BYTES / s.blockSize));
    s.socket.on('message', this.onMessage);
    s.socket.on('error', () => undefined);
  }

  /** Bound once: no closure per ACK on the hot path. */
  private readonly onMessage = (msg: Buffer): void => {
    if (this.reading) this.waiting.push(msg);
    else this.guard(this.onPacket, msg);
  };

  start(): void {
    if (this.s.oack) this.sendOack();
    else this.guard(this.sendWindow, 1);
  }

  private guard<A>(f: (this: Transfer, arg: A) => void, arg: A): void {
    try {
      f.call(this, arg);
    } catch (e) {
      this.fail(TftpErrorCode.notDefined, (e as Error).message);
    }
  }

  private sendOack(): void {
    this.s.socket.send(encodeOack(this.s.oack!));
    this.arm();
  }

  private onPacket(msg: Buffer): void {
    if (this.done) return;
    // ACKs are nearly all the traffic: read them without building a packet object.
    const isAck = msg.length >= 4 && msg.readUInt16BE(0) === TftpOp.ack;
    if (!isAck) {
      const p = decodeTftp(msg);
      if (p.op === 'error') this.finish('aborted by client', p.message);
      return;
    }
    const block = unwrapBlock(msg.readUInt16BE(2), this.acked);
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
    this.progress++;
    this.sendWindow(block + 1);
  }

  /** DATA packet n (header included) from the chunk cache, or undefined when its chunk is not read yet. */
  private cached(n: number): Buffer | undefined {
    const chunk = this.chunks.get(Math.floor((n - 1) / this.chunkBlocks));
    if (!chunk) return undefined;
    const i = (n - 1) % this.chunkBlocks;
    return chunk.packets[i];
  }

  /** Reads a chunk and lays it out as ready DATA packets (the 16-bit block number in each header). */
  private async readChunk(n: number): Promise<void> {
    const bs = this.s.blockSize;
    const index = Math.floor((n - 1) / this.chunkBlocks);
    const first = index * this.chunkBlocks + 1;
    const start = (first - 1) * bs;
    const length = Math.max(0, Math.min(this.chunkBlocks * bs, this.s.size - start));
    const data = Buffer.allocUnsafe(length);
    if (length > 0) {
      const { bytesRead } = await this.s.file.read(data, 0, length, start);
      if (bytesRead !== length) throw new Error(`${this.s.name} became shorter during the transfer`);
    }
    const count = Math.min(this.chunkBlocks, this.totalBlocks - first + 1);
    const packets: Buffer[] = [];
    const layout = Buffer.allocUnsafe(length + 4 * count);
    for (let i = 0, at = 0; i < count; i++) {
      const size = Math.min(bs, length - i * bs);
      layout.writeUInt16BE(TftpOp.data, at);
      layout.writeUInt16BE((first + i) & 0xffff, at + 2);
      data.copy(layout, at + 4, i * bs, i * bs + size);
      packets.push(layout.subarray(at, at + 4 + size));
      at += 4 + size;
    }
    // Keep the chunk before (a resend may reach back into it) and this one.
    for (const k of this.chunks.keys()) if (k < index - 1) this.chunks.delete(k);
    this.chunks.set(index, { packets });
  }

  /** Sends blocks from..(acked + window); pauses for a disk read and resumes where it stopped. */
  private sendWindow(from: number): void {
    const last = Math.min(this.acked + this.s.windowSize, this.totalBlocks);
    for (let n = from; n <= last; n++) {
      const packet = this.cached(n);
      if (!packet) {
        this.reading = true;
        this.readChunk(n).then(
          () => {
            this.reading = false;
            if (this.done) return;
            this.guard(this.sendWindow, n);
            while (!this.reading && this.waiting.length > 0) {
              const msg = this.waiting.shift()!;
              this.guard(this.onPacket, msg);
            }
          },
          (e: Error) => this.fail(TftpErrorCode.notDefined, e.message),
        );
        return;
      }
      this.s.socket.send(packet);
      this.lastSent = Math.max(this.lastSent, n);
    }
    this.arm();
  }

  /**
   * One ticking timer instead of one re-armed per ACK: a tick that finds progress since the last
   * one waits another period, so a timeout is declared after one to two periods without an ACK.
   */
  private arm(): void {
    this.timer ??= setInterval(() => {
      if (this.progress !== this.progressAtTick) this.progressAtTick = this.progress;
      else this.onTimeout();
    }, this.s.timeoutMs);
  }

  private onTimeout(): void {
    if (this.done || this.reading) return;
    if (++this.attempts > this.s.retries) return this.finish('abandoned', `no ACK after ${this.s.retries} retransmissions`);
    this.resentFor = -1;
    if (this.lastSent === 0 && this.s.oack) return this.sendOack();
    this.retransmits += Math.max(1, this.lastSent - this.acked);
    this.lastSent = this.acked;
    this.guard(this.sendWindow, this.acked + 1);
  }

  private fail(code: number, message: string): void {
    if (this.done) return;
    this.s.socket.send(encodeError(code, message));
    this.finish('error', message);
  }

  finish(outcome: TftpTransferRecord['outcome'], error?: string): void {
    if (this.done) return;
    this.done = true;
    clearInterval(this.timer);
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
