// Zero-copy file → socket, the way IIS (TransmitFile) and nginx (sendfile) serve content. Node 20
// has no sendfile for sockets: its only path reads every byte into user space and writes it out
// again. libc's sendfile(2) is reachable through koffi on the socket's fd (the TCP handle exposes
// it on Linux). The socket stays non-blocking and in libuv's hands: sendfile moves what fits in
// the kernel's send buffer at once; when the buffer is full, one small piece is read and written
// through the socket as usual, and libuv's own readiness wait (epoll) says when there is room
// again, so nothing blocks the event loop or a thread-pool thread. Only where libc or the fd is
// not available (not Linux, a socket without an fd) does the caller fall back to streams.

import koffi from 'koffi';
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Socket } from 'node:net';

const EINTR = 4;
const EAGAIN = 11;
const EPIPE = 32;
const ECONNRESET = 104;
/** One call moves at most this much (the largest send buffer Linux grants by default is 4 MiB). */
const MAX_CALL_BYTES = 4 * 1024 * 1024;
/** What goes through libuv when the send buffer is full: small, so nearly all bytes skip user space. */
const HANDOVER_BYTES = 32 * 1024;

interface Libc {
  sendfile: (outFd: number, inFd: number, offset: [number], count: number) => number;
}

/** The client went away in the middle of a transfer (not a failure of the server). */
export class ConnectionClosedError extends Error {
  override name = 'ConnectionClosedError';
}

/** The socket's file descriptor, or undefined where libuv does not expose one. */
function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

export class ZeroCopySender {
  private constructor(private readonly libc: Libc) {}

  /** A sender when libc's sendfile is reachable on this platform; undefined otherwise. */
  static load(): ZeroCopySender | undefined {
    if (process.platform !== 'linux') return undefined;
    try {
      const lib = koffi.load('libc.so.6');
      return new ZeroCopySender({
        sendfile: lib.func('long sendfile(int, int, _Inout_ int64_t *, size_t)') as Libc['sendfile'],
      });
    } catch {
      return undefined;
    }
  }

  /** Whether this socket can be sent to directly. */
  usable(socket: Socket): boolean {
    return socketFd(socket) !== undefined;
  }

  /**
   * Sends `length` bytes of `file` from `position` on `socket`, whose own write queue must be
   * empty. `chunk` bounds one step and `beforeStep` runs before each (the rate limit's tokens);
   * `onSent` counts bytes handed to the connection. Rejects when the connection goes away.
   */
  async send(
    socket: Socket,
    file: FileHandle,
    position: number,
    length: number,
    o: { chunk?: number; beforeStep?: (bytes: number) => Promise<void>; onSent: (bytes: number) => void },
  ): Promise<void> {
    const offset: [number] = [position];
    let left = length;
    while (left > 0) {
      let step = Math.min(left, o.chunk ?? MAX_CALL_BYTES, MAX_CALL_BYTES);
      await o.beforeStep?.(step);
      while (step > 0) {
        // Checked right before each call: a destroyed socket's fd number may already be reused.
        const fd = socket.destroyed ? undefined : socketFd(socket);
        if (fd === undefined) throw new ConnectionClosedError('the client connection closed');
        let sent = this.libc.sendfile(fd, file.fd, offset, step);
        if (sent === 0) throw new Error(`the file ended ${left} bytes early`);
        if (sent < 0) {
          const errno = koffi.errno();
          if (errno === EPIPE || errno === ECONNRESET) throw new ConnectionClosedError('the client connection broke');
          if (errno === EINTR) continue;
          if (errno !== EAGAIN) throw new Error(`sendfile failed (errno ${errno})`);
          sent = await handOver(socket, file, offset, Math.min(step, HANDOVER_BYTES));
        }
        step -= sent;
        left -= sent;
        o.onSent(sent);
      }
    }
  }
}

/** Sends the next `bytes` through the socket's own write, which completes once the kernel took them. */
async function handOver(socket: Socket, file: FileHandle, offset: [number], bytes: number): Promise<number> {
  const piece = Buffer.allocUnsafe(bytes);
  // Read on this thread, as sendfile itself does: a thread-pool hop here leaves the socket idle
  // while the pool's thread waits for a core on a loaded machine.
  const bytesRead = readSync(file.fd, piece, 0, bytes, offset[0]);
  if (bytesRead !== bytes) throw new Error(`the file ended ${bytes - bytesRead} bytes early`);
  await new Promise<void>((resolve, reject) => {
    socket.write(piece, (error) => (error ? reject(new ConnectionClosedError(`the client connection broke: ${error.message}`)) : resolve()));
  });
  offset[0] += bytes;
  return bytes;
}
