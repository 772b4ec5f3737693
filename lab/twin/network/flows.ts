// Flow-level transfers: each transfer is a fluid flow whose rate is its max-min fair share of
// every link it crosses. A start or finish changes rates only inside its connected component
// (flows linked through shared links), so only that component is re-solved; starts and
// finishes at the same virtual instant are batched into one re-solve.

import type { Simulator } from '../simulator.js';
import type { EventHandle } from '../event-queue.js';
import type { Route, Topology } from './topology.js';
import { MaxMinWorkspace, maxMinFair } from './maxmin.js';
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
  private marks = new Int32Array(0);
  private localIndex = new Int32Array(0);
  /** Union-find parent of each link while a re-solve splits its flows into independent groups. */
  private linkParent = new Int32Array(0);
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
      const list = (this.onResource[r] ??= []);
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
    const component = this.component([...this.dirty]);
    this.dirty.clear();
    this.solve(component);
  }

  /** Flows reachable from the given links through shared links. */
  private component(seeds: number[]): Flow[] {
    const epoch = ++this.epoch;
    const marks = this.resourceMarks(seeds);
    const found: Flow[] = [];
    const stack: number[] = [];
    for (const r of seeds) {
      if (marks[r] === epoch) continue;
      marks[r] = epoch;
      stack.push(r);
    }
    while (stack.length > 0) {
      const list = this.onResource[stack.pop()!];
      if (!list) continue;
      for (const flow of list) {
        if (flow.mark === epoch) continue;
        flow.mark = epoch;
        found.push(flow);
        for (const next of flow.resources) {
          if (marks[next] === epoch) continue;
          marks[next] = epoch;
          stack.push(next);
        }
      }
    }
    return found;
  }

  private resourceMarks(seeds: number[]): Int32Array {
    const needed = Math.max(this.topology.resourceCount, ...seeds.map((r) => r + 1));
    if (this.marks.length < needed) {
      const grown = new Int32Array(Math.max(needed, 2 * this.marks.length));
      grown.set(this.marks);
      this.marks = grown;
      this.localIndex = new Int32Array(grown.length);
      this.linkParent = new Int32Array(grown.length);
    }
    return this.marks;
  }

  private solve(flows: Flow[]): void {
    if (flows.length === 0) return;
    const now = this.sim.now();
    // Flows that share no link are solved apart: a joint max-min solve costs the square of all their
    // links, and independent branches changing at one instant would be solved together. The rates are
    // the same (a link's share only involves its own flows); they are applied in the original order.
    const rates = new Float64Array(flows.length);
    for (const group of this.independentGroups(flows)) {
      const groupRates = this.maxMinRates(group.map((f) => flows[f]!));
      group.forEach((f, i) => (rates[f] = groupRates[i]!));
    }
    this.stats.solves++;
    this.stats.flowsSolved += flows.length;
    for (let f = 0; f < flows.length; f++) this.applyRate(flows[f]!, rates[f]!, now);
  }

  /** Indices of the flows in groups linked by shared links, each group in the order the flows were given. */
  private independentGroups(flows: Flow[]): number[][] {
    const epoch = ++this.epoch;
    const marks = this.resourceMarks([]);
    const parent = this.linkParent;
    const root = (link: number): number => {
      let r = link;
      if (marks[r] !== epoch) {
        marks[r] = epoch;
        parent[r] = r;
        return r;
      }
      while (parent[r] !== r) {
        parent[r] = parent[parent[r]!]!;
        r = parent[r]!;
      }
      return r;
    };
    for (const flow of flows) {
      if (flow.resources.length === 0) continue;
      const a = root(flow.resources[0]!);
      for (const r of flow.resources) {
        const b = root(r);
        if (b !== a) parent[b] = a;
      }
    }
    const groups = new Map<number, number[]>();
    const alone: number[][] = [];
    flows.forEach((flow, f) => {
      if (flow.resources.length === 0) return alone.push([f]);
      const key = root(flow.resources[0]!);
      const group = groups.get(key);
      if (group) group.push(f);
      else groups.set(key, [f]);
    });
    return [...groups.values(), ...alone];
  }

  private maxMinRates(flows: Flow[]): Float64Array {
    // Number the links of these flows 0..k-1 (epoch-stamped, so nothing is cleared between solves).
    const epoch = ++this.epoch;
    let linkCount = 0;
    for (const flow of flows) linkCount += flow.resources.length;
    const marks = this.resourceMarks([]);
    const start = new Int32Array(flows.length + 1);
    const links = new Int32Array(linkCount);
    const capacity: number[] = [];
    const caps = new Float64Array(flows.length);
    let k = 0;
    for (let f = 0; f < flows.length; f++) {
      const flow = flows[f]!;
      caps[f] = flow.cap;
      for (const r of flow.resources) {
        if (marks[r] !== epoch) {
          marks[r] = epoch;
          this.localIndex[r] = capacity.length;
          capacity.push((this.topology.resourceCapacityBps(r) / 8) * this.goodput);
        }
        links[k++] = this.localIndex[r]!;
      }
      start[f + 1] = k;
    }
    return maxMinFair(capacity, { start, links }, caps, this.workspace);
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
