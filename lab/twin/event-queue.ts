// Pending events of the twin, as a binary min-heap over typed arrays. Events are ordered by
// time, then by the order they were scheduled, so equal-time events run first-in first-out
// and a run is deterministic. Storing the heap as parallel typed arrays (no object per event)
// keeps 10^5 pending events cache-friendly: see docs/twin.md "Event core". Each slot knows its
// heap position, so cancelling or moving an event (a flow whose rate changed) is O(log n) and
// leaves no dead entries behind.

/** Handle of a scheduled event: slot and generation packed into one number. */
export type EventHandle = number;

const SLOT_BITS = 2 ** 24;

export class EventQueue {
  private times: Float64Array;
  private seqs: Float64Array;
  private heap: Int32Array;
  private positions: Int32Array;
  private size = 0;
  private nextSeq = 0;
  /** Per slot: its callback (undefined when free) and generation. */
  private actions: (((() => void) | undefined))[] = [];
  private generations: Int32Array;
  private freeSlots: number[] = [];
  private live = 0;

  constructor(initialCapacity = 1024) {
    this.times = new Float64Array(initialCapacity);
    this.seqs = new Float64Array(initialCapacity);
    this.heap = new Int32Array(initialCapacity);
    this.positions = new Int32Array(initialCapacity);
    this.generations = new Int32Array(initialCapacity);
  }

  /** Events scheduled and neither run nor cancelled. */
  get length(): number {
    return this.live;
  }

  push(time: number, action: () => void): EventHandle {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.actions.length;
      if (slot >= SLOT_BITS) throw new Error('event queue: more than 2^24 pending events');
      this.actions.push(action);
      if (slot >= this.times.length) this.grow();
    } else {
      this.actions[slot] = action;
    }
    this.times[slot] = time;
    this.seqs[slot] = this.nextSeq++;
    this.siftUp(this.size++, slot);
    this.live++;
    return this.generations[slot]! * SLOT_BITS + slot;
  }

  /** Cancels a pending event; a handle whose event already ran is ignored. */
  cancel(handle: EventHandle): void {
    const slot = this.liveSlot(handle);
    if (slot < 0) return;
    this.removeAt(this.positions[slot]!);
    this.release(slot);
    this.live--;
  }

  /** Moves a pending event to a new time (it then runs after events already at that time). */
  reschedule(handle: EventHandle, time: number): boolean {
    const slot = this.liveSlot(handle);
    if (slot < 0) return false;
    this.removeAt(this.positions[slot]!);
    this.times[slot] = time;
    this.seqs[slot] = this.nextSeq++;
    this.siftUp(this.size++, slot);
    return true;
  }

  private liveSlot(handle: EventHandle): number {
    const slot = handle % SLOT_BITS;
    const generation = (handle - slot) / SLOT_BITS;
    return this.generations[slot] === generation && this.actions[slot] !== undefined ? slot : -1;
  }

  /** Time of the earliest pending event, or Infinity. */
  peekTime(): number {
    return this.size === 0 ? Infinity : this.times[this.heap[0]!]!;
  }

  /** Removes the earliest event and returns its action; `timeOut[0]` receives its time. */
  pop(timeOut: Float64Array): (() => void) | undefined {
    if (this.size === 0) return undefined;
    const slot = this.heap[0]!;
    const action = this.actions[slot]!;
    timeOut[0] = this.times[slot]!;
    this.removeAt(0);
    this.release(slot);
    this.live--;
    return action;
  }

  private release(slot: number): void {
    this.actions[slot] = undefined;
    this.generations[slot] = (this.generations[slot]! + 1) & 0x1fffffff;
    this.freeSlots.push(slot);
  }

  private removeAt(pos: number): void {
    const last = this.heap[--this.size]!;
    if (pos === this.size) return;
    if (pos > 0 && this.less(last, this.heap[(pos - 1) >> 1]!)) this.siftUp(pos, last);
    else this.siftDown(pos, last);
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    return ta < tb || (ta === tb && this.seqs[a]! < this.seqs[b]!);
  }

  private siftUp(pos: number, slot: number): void {
    const heap = this.heap;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const p = heap[parent]!;
      if (!this.less(slot, p)) break;
      heap[pos] = p;
      this.positions[p] = pos;
      pos = parent;
    }
    heap[pos] = slot;
    this.positions[slot] = pos;
  }

  private siftDown(pos: number, slot: number): void {
    const heap = this.heap;
    const n = this.size;
    for (;;) {
      let child = 2 * pos + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.less(heap[right]!, heap[child]!)) child = right;
      const c = heap[child]!;
      if (!this.less(c, slot)) break;
      heap[pos] = c;
      this.positions[c] = pos;
      pos = child;
    }
    heap[pos] = slot;
    this.positions[slot] = pos;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const grow64 = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    this.times = grow64(this.times);
    this.seqs = grow64(this.seqs);
    this.heap = grow32(this.heap);
    this.positions = grow32(this.positions);
    this.generations = grow32(this.generations);
  }
}
