// Flow-level transfers: each transfer is a fluid flow whose rate is its max-min fair share of
// every link it crosses. A start or finish changes rates only inside its connected component
// (flows linked through shared links), so only that component is re-solved; starts and
// finishes at the same virtual instant are batched into one re-solve.

import type { Simulator } from '../simulator.js';
import type { EventHandle } from '../event-queue.js';
import type { Route, Topology } from './topology.js';
import { MaxMinInput, MaxMinWorkspace } from './maxmin.js';
import { TCP_GOODPUT_FACTOR } from './goodput.js';

export interface FlowNetworkOptions {
  /** Payload share of the line rate (TCP/HTTP default 0.9493; 1 for raw line rate). */
  goodputFactor?: number;
  /** 'incremental' re-solves the touched component; 'full' re-solves every flow (the baseline). */
  recompute?: 'incremental' | 'full';
}

export interface FlowRequest {
  route: Route;
  bytes: number;
  /** Per-flow ceiling in bytes/s: client throttle, TCP window or loss bound, protocol lockstep. */
  capBytesPerSec?: number;
  onDone(): void;
}

interface Flow {
  id: number;
  resources: Int32Array;
  cap: number;
  remaining: number;
  rate: number;
  updatedAt: number;
  completion: EventHandle | undefined;
  /** Epoch of the last component search that reached this flow. */
  mark: number;
  /** Index of this flow in onResource[resources[i]]. */
  slots: Int32Array;
  onDone(): void;
}

export interface FlowStats {
  solves: number;
  /** Flows handed to the solver, summed over solves. */
  flowsSolved: number;
}

export class FlowNetwork {
  private readonly flows = new Map<number, Flow>();
  /** Flows crossing each link; a flow knows its index in each list (swap-remove in O(1)). */
  private readonly onResource: Flow[][] = [];
  private readonly dirty = new Set<number>();
  private solvePending = false;
  private epoch = 0;
  /** Per link, epoch stamps: reached by this re-solve's search; numbered for the solver input being built. */
  private searchMarks = new Int32Array(0);
  private numberMarks = new Int32Array(0);
  private localIndex = new Int32Array(0);
  /** Scratch of the component search and of the solver's input, reused by every re-solve. */
  private readonly found: Flow[] = [];
  private stack = new Int32Array(64);
  private readonly input = new MaxMinInput();
  private readonly workspace = new MaxMinWorkspace();
  /** Per link direction: payload rate now (bytes/s), bytes carried until `since`, and when that was. */
  private load = new Float64Array(0);
  private carried = new Float64Array(0);
  private since = new Float64Array(0);
  private nextId = 1;
  private readonly goodput: number;
  private readonly mode: 'incremental' | 'full';
  readonly stats: FlowStats = { solves: 0, flowsSolved: 0 };

  constructor(
    private readonly sim: Simulator,
    private readonly topology: Topology,
    options: FlowNetworkOptions = {},
  ) {
    this.goodput = options.goodputFactor ?? TCP_GOODPUT_FACTOR;
    this.mode = options.recompute ?? 'incremental';
  }

  get activeFlows(): number {
    return this.flows.size;
  }

  start(request: FlowRequest): number {
    const flow: Flow = {
      id: this.nextId++,
      resources: request.route.resources,
      cap: request.capBytesPerSec ?? Infinity,
      remaining: request.bytes,
      rate: 0,
      updatedAt: this.sim.now(),
      completion: undefined,
      mark: 0,
      slots: new Int32Array(request.route.resources.length),
      onDone: request.onDone,
    };
    if (flow.remaining <= 0 || (flow.resources.length === 0 && flow.cap === Infinity)) {
      this.sim.after(0, flow.onDone);
      return flow.id;
    }
    this.flows.set(flow.id, flow);
    if (flow.resources.length === 0) {
      // A transfer that crosses no link (content already on this machine) runs at its own cap.
      this.solve([flow]);
      return flow.id;
    }
    flow.resources.forEach((r, i) => {
      // Filled densely: a sparse array would turn into a dictionary, hashed on every search step.
      while (this.onResource.length <= r) this.onResource.push([]);
      const list = this.onResource[r]!;
      flow.slots[i] = list.length;
      list.push(flow);
    });
    this.touch(flow);
    return flow.id;
  }

  /** Stops a flow without calling its onDone (the client went away). */
  abort(id: number): void {
    const flow = this.flows.get(id);
    if (flow) this.remove(flow);
  }

  /** Current rate of a flow in bytes/s (0 before its first solve or once finished). */
  rate(id: number): number {
    return this.flows.get(id)?.rate ?? 0;
  }

  /** Bytes still to move, as of now. */
  remaining(id: number): number {
    const flow = this.flows.get(id);
    if (!flow) return 0;
    return Math.max(0, flow.remaining - (flow.rate * (this.sim.now() - flow.updatedAt)) / 1000);
  }

  /** Payload bytes carried over a link direction (a topology resource) since the start, as of now. */
  carriedBytes(resource: number): number {
    if (resource >= this.load.length) return 0;
    return this.carried[resource]! + (Math.max(0, this.load[resource]!) * (this.sim.now() - this.since[resource]!)) / 1000;
  }

  /** Re-solves every flow now; used by the benchmark to time a full recompute. */
  solveAll(): void {
    this.solve([...this.flows.values()]);
  }

  private touch(flow: Flow): void {
    for (const r of flow.resources) this.dirty.add(r);
    if (this.solvePending) return;
    this.solvePending = true;
    this.sim.after(0, () => this.solveNow());
  }

  private remove(flow: Flow): void {
    this.flows.delete(flow.id);
    this.account(flow, 0, this.sim.now());
    flow.rate = 0;
    if (flow.completion !== undefined) this.sim.cancel(flow.completion);
    flow.resources.forEach((r, i) => {
      const list = this.onResource[r]!;
      const last = list.pop()!;
      if (last === flow) return;
      const at = flow.slots[i]!;
      list[at] = last;
      last.slots[last.resources.indexOf(r)] = at;
    });
    this.touch(flow);
  }

  private solveNow(): void {
    this.solvePending = false;
    if (this.mode === 'full') {
      this.dirty.clear();
      this.solve([...this.flows.values()]);
      return;
    }
    const seeds = [...this.dirty];
    this.dirty.clear();
    // Each touched component is found, solved and applied before the next one is searched, so only
    // one component's flows (one branch's, in a typical site) are in the cache at a time. Components
    // share no link, so their max-min rates are independent of each other and of the order.
    this.growResources(seeds);
    const searched = ++this.epoch;
    let flowsSolved = 0;
    for (let s = seeds.length - 1; s >= 0; s--) {
      if (this.searchMarks[seeds[s]!] === searched) continue;
      const count = this.component(seeds[s]!, searched);
      this.applyRates(this.found, count, this.input.solve(this.workspace));
      flowsSolved += count;
    }
    this.stats.solves++;
    this.stats.flowsSolved += flowsSolved;
  }

  /**
   * Flows reachable from a link through shared links (marking the links it reaches with
   * `searched`), written into the solver's input and into `found` (the first n entries; n is
   * returned) in the order they are found. Scratch arrays keep their size between searches:
   * emptying an array frees its storage and regrowing it allocates again.
   */
  private component(seed: number, searched: number): number {
    const { found, searchMarks } = this;
    let count = 0;
    let top = 0;
    this.input.clear();
    const numbered = ++this.epoch;
    searchMarks[seed] = searched;
    this.stack[top++] = seed;
    while (top > 0) {
      for (const flow of this.onResource[this.stack[--top]!]!) {
        if (flow.mark === searched) continue;
        flow.mark = searched;
        found[count++] = flow;
        this.addInput(flow, numbered);
        for (const next of flow.resources) {
          if (searchMarks[next] === searched) continue;
          searchMarks[next] = searched;
          // A link only this flow crosses (a client's own link) leads nowhere else.
          if (this.onResource[next]!.length < 2) continue;
          if (top === this.stack.length) this.stack = grownInt32(this.stack);
          this.stack[top++] = next;
        }
      }
    }
    return count;
  }

  /** Adds a flow to the solver's input; its links are numbered in order of first appearance (epoch `numbered`). */
  private addInput(flow: Flow, numbered: number): void {
    this.input.addFlow(flow.cap);
    for (const r of flow.resources) {
      if (this.numberMarks[r] !== numbered) {
        this.numberMarks[r] = numbered;
        this.localIndex[r] = this.input.addLink((this.topology.resourceCapacityBps(r) / 8) * this.goodput);
      }
      this.input.cross(this.localIndex[r]!);
    }
  }

  /** Sizes the per-link scratch arrays for every link of the topology and the given ones. */
  private growResources(seeds: number[]): void {
    let needed = this.topology.resourceCount;
    for (const r of seeds) needed = Math.max(needed, r + 1);
    if (this.searchMarks.length >= needed) return;
    const size = Math.max(needed, 2 * this.searchMarks.length);
    this.searchMarks = grownInt32(this.searchMarks, size);
    this.numberMarks = grownInt32(this.numberMarks, size);
    this.localIndex = new Int32Array(size);
  }

  /** Solves the given flows together: every flow (the baseline), or one that crosses no link. */
  private solve(flows: Flow[]): void {
    if (flows.length === 0) return;
    this.growResources([]);
    const numbered = ++this.epoch;
    this.input.clear();
    for (const flow of flows) this.addInput(flow, numbered);
    this.applyRates(flows, flows.length, this.input.solve(this.workspace));
    this.stats.solves++;
    this.stats.flowsSolved += flows.length;
  }

  private applyRates(flows: Flow[], count: number, rates: Float64Array): void {
    const now = this.sim.now();
    for (let f = 0; f < count; f++) this.applyRate(flows[f]!, rates[f]!, now);
  }

  private applyRate(flow: Flow, rate: number, now: number): void {
    flow.remaining = Math.max(0, flow.remaining - (flow.rate * (now - flow.updatedAt)) / 1000);
    flow.updatedAt = now;
    if (rate === flow.rate && flow.completion !== undefined) return;
    this.account(flow, rate, now);
    flow.rate = rate;
    if (rate <= 0) {
      if (flow.completion !== undefined) this.sim.cancel(flow.completion);
      flow.completion = undefined;
      return;
    }
    const at = now + (flow.remaining / rate) * 1000;
    if (flow.completion === undefined || !this.sim.reschedule(flow.completion, at)) {
      flow.completion = this.sim.at(at, () => this.finish(flow));
    }
  }

  /** Moves a flow's share of each link it crosses from its old rate to `rate` (utilisation over time). */
  private account(flow: Flow, rate: number, now: number): void {
    const delta = rate - flow.rate;
    if (delta === 0) return;
    if (this.load.length < this.topology.resourceCount) this.growAccounts();
    for (const r of flow.resources) {
      this.carried[r] += (Math.max(0, this.load[r]!) * (now - this.since[r]!)) / 1000;
      this.since[r] = now;
      this.load[r] += delta;
    }
  }

  private growAccounts(): void {
    const size = Math.max(this.topology.resourceCount, 2 * this.load.length);
    const grow = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.load = grow(this.load);
    this.carried = grow(this.carried);
    this.since = grow(this.since);
  }

  private finish(flow: Flow): void {
    flow.completion = undefined;
    flow.remaining = 0;
    this.remove(flow);
    flow.onDone();
  }
}

function grownInt32(a: Int32Array<ArrayBuffer>, size = 2 * a.length): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
