// A small TFTP read client with blksize, tsize, timeout and windowsize (RFC 7440), the way the
// Windows boot manager fetches a boot image with RamDiskTFTPBlockSize/WindowSize. No installed
// client negotiates windowsize, so the tests and the benchmark use this one for it.
import { createSocket } from 'node:dgram';
import { TftpError, TftpErrorCode, TftpOp, decodeTftp, encodeAck, encodeError, encodeRequest, unwrapBlock } from './packets.js';

/** Linux's default net.core.rmem_max is smaller; the kernel caps the request there. */
const RECEIVE_BUFFER_MAX = 4 * 1024 * 1024;

export interface TftpGetOptions {
  host: string;
  port?: number;
  file: string;
  /** Ask for blksize (omit for RFC 1350's 512 without options). */
  blockSize?: number;
  windowSize?: number;
  /** Ask for tsize. */
  tsize?: boolean;
  /** Wait this long for data before re-sending the last ACK. Default 1000 ms. */
  timeoutMs?: number;
  retries?: number;
  /** Test hook: drop this incoming data block (absolute number, how often it has been seen so far). */
  dropData?: (block: number, seen: number) => boolean;
  signal?: AbortSignal;
}

export interface TftpGetResult {
  data: Buffer;
  blockSize: number;
  windowSize: number;
  tsize?: number;
  /** Data blocks that arrived out of order or twice and were discarded. */
  discarded: number;
}

export function tftpGet(o: TftpGetOptions): Promise<TftpGetResult> {
  const socket = createSocket('udp4');
  const asked = new Map<string, string>();
  if (o.blockSize !== undefined) asked.set('blksize', String(o.blockSize));
  if (o.windowSize !== undefined) asked.set('windowsize', String(o.windowSize));
  if (o.tsize) asked.set('tsize', '0');
  const request = encodeRequest(o.file, asked);
  const timeoutMs = o.timeoutMs ?? 1000;
  const retries = o.retries ?? 5;

  return new Promise<TftpGetResult>((resolve, reject) => {
    let server: { address: string; port: number } | undefined;
    let blockSize = 512;
    let windowSize = 1;
    let tsize: number | undefined;
    const parts: Buffer[] = [];
    let received = 0;
    let lastAcked = 0;
    let discarded = 0;
    let attempts = 0;
    let gapReportedAt = -1;
    let timer: NodeJS.Timeout | undefined;
    const seen = new Map<number, number>();
    let lastSentPacket = request;

    const end = (error?: Error): void => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      socket.close();
      if (error) reject(error);
      else resolve({ data: Buffer.concat(parts), blockSize, windowSize, ...(tsize !== undefined ? { tsize } : {}), discarded });
    };
    const send = (packet: Buffer): void => {
      lastSentPacket = packet;
      const to = server ?? { address: o.host, port: o.port ?? 69 };
      socket.send(packet, to.port, to.address);
      arm();
    };
    const arm = (): void => {
      if (timer) timer.refresh();
      else {
        timer = setTimeout(() => {
          if (++attempts > retries) return end(new TftpError(TftpErrorCode.notDefined, `timed out after ${retries} retries waiting for block ${received + 1} of ${o.file}`));
          send(lastSentPacket);
        }, timeoutMs);
      }
    };
    const ack = (block: number): void => {
      lastAcked = block;
      send(encodeAck(block));
    };
    const onAbort = (): void => {
      if (server) socket.send(encodeError(TftpErrorCode.notDefined, 'User aborted the transfer'), server.port, server.address);
      end(o.signal!.reason instanceof Error ? o.signal!.reason : new Error('aborted'));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('error', (e) => end(e));
    socket.on('message', (msg, rinfo) => {
      if (server && (rinfo.address !== server.address || rinfo.port !== server.port)) return;
      // DATA is nearly all the traffic: read it without building a packet object.
      if (server && msg.length >= 4 && msg.readUInt16BE(0) === TftpOp.data) return onData(msg.readUInt16BE(2), msg.subarray(4));
      let p;
      try {
        p = decodeTftp(msg);
      } catch (e) {
        return end(e as Error);
      }
      if (p.op === 'error') return end(new TftpError(p.code, p.message));
      server ??= { address: rinfo.address, port: rinfo.port };
      if (p.op === 'oack') {
        if (received > 0) return;
        blockSize = Number(p.options.get('blksize') ?? 512);
        windowSize = Number(p.options.get('windowsize') ?? 1);
        if (p.options.has('tsize')) tsize = Number(p.options.get('tsize'));
        attempts = 0;
        return ack(0);
      }
      if (p.op === 'data') onData(p.block, p.data);
    });
    const onData = (block16: number, data: Buffer): void => {
      const block = unwrapBlock(block16, received + 1);
      if (block !== received + 1) {
        // Out of order or a duplicate: RFC 7440 has the client ACK the last block it holds in order.
        discarded++;
        if (block - received - 1 < 0x8000 && gapReportedAt !== received) {
          gapReportedAt = received;
          ack(received);
        }
        return;
      }
      if (o.dropData) {
        const count = (seen.get(block) ?? 0) + 1;
        seen.set(block, count);
        if (o.dropData(block, count)) return;
      }
      parts.push(data);
      received = block;
      attempts = 0;
      if (data.length < blockSize) {
        clearTimeout(timer);
        socket.send(encodeAck(received), server!.port, server!.address, () => end());
      } else if (received - lastAcked >= windowSize) ack(received);
    };
    socket.bind(0, () => {
      // A whole window must fit in the receive queue, or its tail is dropped on every resend.
      const window = (o.windowSize ?? 1) * ((o.blockSize ?? 512) + 64);
      socket.setRecvBufferSize(Math.min(RECEIVE_BUFFER_MAX, Math.max(256 * 1024, 4 * window)));
      send(request);
    });
  });
}
