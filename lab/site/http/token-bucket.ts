// A token bucket of bytes: the optional rate limit of a site server, shared by all its clients,
// so that N clients together get the configured rate (as a DP's "limit transfer rate" would).
// Waiters are served first come, first served; the clock is injectable for tests.

import { setTimeout as sleep } from 'node:timers/promises';

export interface TokenBucketOptions {
  /** Sustained rate, bytes per second. */
  bytesPerSecond: number;
  /** Largest burst, bytes. Default: a tenth of a second of the rate, at least 16 KiB. */
  burstBytes?: number;
  now?: () => number;
}

export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    if (!(options.bytesPerSecond > 0)) throw new RangeError(`bytesPerSecond must be > 0, found ${options.bytesPerSecond}`);
    this.rate = options.bytesPerSecond;
    this.burst = Math.floor(options.burstBytes ?? Math.max(16 * 1024, this.rate / 10));
    this.now = options.now ?? (() => performance.now());
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Resolves when `bytes` may be sent; rejects when the signal aborts. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.drain(bytes, signal));
    // A failed (aborted) waiter must not block the ones behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async drain(bytes: number, signal?: AbortSignal): Promise<void> {
    let left = bytes;
    while (left > 0) {
      signal?.throwIfAborted();
      this.refill();
      const chunk = Math.min(left, this.burst);
      if (this.tokens >= chunk) {
        this.tokens -= chunk;
        left -= chunk;
        continue;
      }
      await sleep(Math.ceil(((chunk - this.tokens) / this.rate) * 1000), undefined, { signal });
    }
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }
}
