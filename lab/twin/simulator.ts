// The twin's virtual clock and event loop. Model code schedules plain callbacks; machine
// operations are promises resolved by those callbacks. Once an event resolved a promise, the
// loop runs the events already queued for the same instant and then yields one macrotask
// (setImmediate), so every continuation of the task-sequence engine runs — and schedules its
// next operation — before any later event is taken. Events that resolve nothing run back to
// back with no yield: that is what keeps 10^5 clients fast.

import { setImmediate } from 'node:timers';
import { EventQueue, type EventHandle } from './event-queue.js';
import type { MachineClock } from '../../harness/index.js';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export interface RunOptions {
  /** Stop before the first event later than this virtual time (ms). */
  untilMs?: number;
  signal?: AbortSignal;
}

const yieldToContinuations = () => new Promise<void>((resolve) => setImmediate(resolve));
const keepWatching = () => false;

export class Simulator implements MachineClock {
  private readonly queue = new EventQueue();
  private nowMs = 0;
  private woke = false;
  private rngState: number;
  private readonly timeOut = new Float64Array(1);
  /** Per signal, the waits to wake when it aborts: one listener per signal however many waits (10^5 clients share one). */
  private readonly abortWatchers = new WeakMap<AbortSignal, Set<() => void>>();
  /** Events run since the simulator was created. */
  eventsRun = 0;

  /** @param startMs where the virtual clock starts (ms since the Unix epoch; timestamps in logs). */
  constructor(seed = 1, startMs = 0) {
    this.rngState = seed >>> 0;
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  get pendingEvents(): number {
    return this.queue.length;
  }

  /** Runs `action` at virtual time `atMs` (never earlier than now). */
  at(atMs: number, action: () => void): EventHandle {
    return this.queue.push(Math.max(atMs, this.nowMs), action);
  }

  after(delayMs: number, action: () => void): EventHandle {
    return this.queue.push(this.nowMs + Math.max(0, delayMs), action);
  }

  cancel(handle: EventHandle): void {
    this.queue.cancel(handle);
  }

  /** Moves a pending event to `atMs`; false when it already ran or was cancelled. */
  reschedule(handle: EventHandle, atMs: number): boolean {
    return this.queue.reschedule(handle, Math.max(atMs, this.nowMs));
  }

  /** A promise whose settlement lets the engine's continuations run before the next event. */
  deferred<T>(): Deferred<T> {
    let resolve!: (value: T) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return {
      promise,
      resolve: (value) => {
        this.woke = true;
        resolve(value);
      },
      reject: (reason) => {
        this.woke = true;
        reject(reason);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    // The most frequent wait of the twin's machines: settled directly, without deferred()'s wrappers.
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        this.woke = true;
        return reject(signal.reason);
      }
      const handle = this.after(ms, () => {
        unwatch();
        this.woke = true;
        resolve();
      });
      const unwatch = this.whenAborted(signal, () => {
        this.cancel(handle);
        this.woke = true;
        reject(signal!.reason);
      });
    });
  }

  /**
   * Calls `onAbort` once when the signal aborts (never, if it already has); the returned function
   * stops watching. O(1) both ways: an EventTarget listener list costs O(listeners) per removal,
   * quadratic with 10^5 machines waiting on the run's one signal.
   */
  whenAborted(signal: AbortSignal | undefined, onAbort: () => void): () => boolean {
    if (!signal) return keepWatching;
    let waits = this.abortWatchers.get(signal);
    if (!waits) {
      const all = new Set<() => void>();
      signal.addEventListener('abort', () => {
        const now = [...all];
        all.clear();
        for (const wake of now) wake();
      }, { once: true });
      this.abortWatchers.set(signal, all);
      waits = all;
    }
    const set = waits;
    set.add(onAbort);
    return () => set.delete(onAbort);
  }

  /** Deterministic pseudo-random number in [0, 1) (mulberry32). */
  random(): number {
    let t = (this.rngState = (this.rngState + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Runs events until none are left (or `untilMs`); returns the number of events run. */
  async run(options: RunOptions = {}): Promise<number> {
    const until = options.untilMs ?? Infinity;
    let count = 0;
    // Work started before run() (machines powering on) goes first.
    let yieldFirst = true;
    for (;;) {
      // Events already queued for this same instant run before the continuations of the ones that
      // resolved promises: one yield per instant instead of one per event (10^3 identical branches
      // have 10^3 events at each instant).
      if (yieldFirst || (this.woke && this.queue.peekTime() !== this.nowMs)) {
        yieldFirst = false;
        this.woke = false;
        await yieldToContinuations();
        options.signal?.throwIfAborted();
        continue;
      }
      if (this.queue.peekTime() > until) break;
      const action = this.queue.pop(this.timeOut);
      if (action === undefined) break;
      this.nowMs = this.timeOut[0]!;
      action();
      count++;
    }
    if (until !== Infinity && until > this.nowMs) this.nowMs = until;
    this.eventsRun += count;
    return count;
  }

  /** Runs queued events synchronously, without yielding to promise continuations (model-only use). */
  runSync(untilMs = Infinity): number {
    let count = 0;
    for (;;) {
      const next = this.queue.peekTime();
      if (next === Infinity || next > untilMs) break;
      const action = this.queue.pop(this.timeOut)!;
      this.nowMs = this.timeOut[0]!;
      action();
      count++;
    }
    this.eventsRun += count;
    return count;
  }
}
