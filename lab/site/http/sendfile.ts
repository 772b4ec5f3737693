// Zero-copy file → socket, the way IIS (TransmitFile) and nginx (sendfile) serve content. Node 20
// has no sendfile for sockets: its only path reads every byte into user space and writes it out
// again. libc's sendfile(2) is reachable through koffi on the socket's fd (the TCP handle exposes
// it on Linux). The socket stays non-blocking and in libuv's hands: sendfile moves what fits in
// the send buffer at once; a poll(2) for POLLOUT on koffi's worker thread waits for room, so the
// event loop never blocks on the client. Only where libc or the fd is not available (not Linux,
// a socket without an fd) does the caller fall back to streams.

import koffi from 'koffi';
import type { Socket } from 'node:net';

const EINTR = 4;
const EAGAIN = 11;
const EPIPE = 32;
const ECONNRESET = 104;
const POLLOUT = 0x4;
const POLLERR = 0x8;
const POLLHUP = 0x10;
/** One call moves at most this much (the largest send buffer Linux grants by default is 4 MiB). */
const MAX_CALL_BYTES = 4 * 1024 * 1024;
/** A poll wakes at least this often, so a connection dropped by a stop is noticed. */
const POLL_MS = 250;

interface Libc {
  sendfile: (outFd: number, inFd: number, offset: [number], count: number) => number;
  poll: { async: (fds: { fd: number; events: number; revents: number }, n: number, timeoutMs: number, done: (error: unknown, result: number) => void) => void };
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
      const pollfd = koffi.struct({ fd: 'int', events: 'short', revents: 'short' });
      return new ZeroCopySender({
        sendfile: lib.func('long sendfile(int, int, _Inout_ int64_t *, size_t)') as Libc['sendfile'],
        poll: lib.func('poll', 'int', [koffi.inout(koffi.pointer(pollfd)), 'unsigned long', 'int']) as unknown as Libc['poll'],
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
   * Sends `length` bytes of file `fileFd` from `position` on `socket`, whose own write queue must
   * be empty. `chunk` bounds one step and `beforeStep` runs before each (the rate limit's tokens);
   * `onSent` counts bytes handed to the connection. Rejects when the connection goes away.
   */
  async send(
    socket: Socket,
    fileFd: number,
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
        const sent = this.libc.sendfile(fd, fileFd, offset, step);
        if (sent > 0) {
          step -= sent;
          left -= sent;
          o.onSent(sent);
          if (step > 0) await this.writable(fd, socket);
        } else if (sent === 0) {
          throw new Error(`the file ended ${left} bytes early`);
        } else {
          const errno = koffi.errno();
          if (errno === EAGAIN) await this.writable(fd, socket);
          else if (errno === EPIPE || errno === ECONNRESET) throw new ConnectionClosedError('the client connection broke');
          else if (errno !== EINTR) throw new Error(`sendfile failed (errno ${errno})`);
        }
      }
    }
  }

  /** Waits on koffi's worker thread until the socket has room, or the connection failed. */
  private async writable(fd: number, socket: Socket): Promise<void> {
    for (;;) {
      const pfd = { fd, events: POLLOUT, revents: 0 };
      const ready = await new Promise<number>((resolve, reject) => this.libc.poll.async(pfd, 1, POLL_MS, (e, r) => (e ? reject(e as Error) : resolve(r))));
      if (socket.destroyed) throw new ConnectionClosedError('the client connection closed');
      if (ready > 0) {
        if (pfd.revents & (POLLERR | POLLHUP)) throw new ConnectionClosedError('the client connection broke');
        return;
      }
    }
  }
}
