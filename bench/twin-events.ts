// Benchmark of the twin's event core and flow model. Run: npx tsx bench/twin-events.ts
// Prints absolute figures and ratios against baselines measured in the same run:
//  1. event throughput with 10^5 pending events (hold model), typed-array heap vs a sorted array;
//  2. the same through the Simulator, and with a promise resolved per event (engine-like);
//  3. flow model at 10^5 flows: incremental component recompute vs full recompute per flow event.

import { performance } from 'node:perf_hooks';
import { EventQueue } from '../lab/twin/event-queue.js';
import { Simulator } from '../lab/twin/simulator.js';
import { Topology } from '../lab/twin/network/topology.js';
import { FlowNetwork } from '../lab/twin/network/flows.js';

const PENDING = 100_000;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** Baseline: a sorted array with binary-search insertion (a common simple JS queue). */
class SortedArrayQueue {
  private items: { t: number; seq: number; fn: () => void }[] = [];
  private seq = 0;
  push(t: number, fn: () => void): void {
    const seq = this.seq++;
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.items[mid]!;
      if (m.t > t || (m.t === t && m.seq > seq)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, { t, seq, fn });
  }
  pop(): { t: number; fn: () => void } | undefined {
    return this.items.pop();
  }
}

function holdHeap(events: number): number {
  const q = new EventQueue();
  const rnd = lcg(1);
  const noop = () => undefined;
  for (let i = 0; i < PENDING; i++) q.push(rnd() * 1000, noop);
  const out = new Float64Array(1);
  const t0 = performance.now();
  for (let i = 0; i < events; i++) {
    q.pop(out)!();
    q.push(out[0]! + rnd() * 1000, noop);
  }
  return events / ((performance.now() - t0) / 1000);
}

function holdSortedArray(events: number): number {
  const q = new SortedArrayQueue();
  const rnd = lcg(1);
  const noop = () => undefined;
  for (let i = 0; i < PENDING; i++) q.push(rnd() * 1000, noop);
  const t0 = performance.now();
  for (let i = 0; i < events; i++) {
    const e = q.pop()!;
    e.fn();
    q.push(e.t + rnd() * 1000, noop);
  }
  return events / ((performance.now() - t0) / 1000);
}

function holdSimulator(events: number): number {
  const sim = new Simulator(1);
  const rnd = lcg(1);
  let scheduled = PENDING;
  // Each event schedules its successor until `events` ran: about 10^5 stay pending throughout.
  const tick = () => {
    if (scheduled++ < events) sim.after(rnd() * 1000, tick);
  };
  for (let i = 0; i < PENDING; i++) sim.after(rnd() * 1000, tick);
  const t0 = performance.now();
  const ran = sim.runSync();
  return ran / ((performance.now() - t0) / 1000);
}

async function holdSimulatorWithPromises(clients: number, stepsPerClient: number): Promise<number> {
  const sim = new Simulator(1);
  const rnd = lcg(2);
  const client = async () => {
    for (let i = 0; i < stepsPerClient; i++) await sim.sleep(rnd() * 1000);
  };
  const all = Array.from({ length: clients }, client);
  const t0 = performance.now();
  const ran = await sim.run();
  await Promise.all(all);
  return ran / ((performance.now() - t0) / 1000);
}

interface FlowRun {
  flowEvents: number;
  seconds: number;
  flowsSolved: number;
}

function buildSites(sites: number, clientsPerSite: number) {
  const topology = new Topology();
  for (let s = 0; s < sites; s++) {
    topology.addLink({ id: `dp${s}`, from: `dp${s}`, to: `site${s}`, bandwidthBps: 1e9 * (0.5 + (s % 10) / 10), latencyMs: 0.1 });
    for (let c = 0; c < clientsPerSite; c++) {
      topology.addLink({ id: `s${s}c${c}`, from: `site${s}`, to: `s${s}c${c}`, bandwidthBps: 1e8 * (0.5 + (c % 7) / 7), latencyMs: 0.2 });
    }
  }
  return topology;
}

function flowIncremental(sites: number, clientsPerSite: number): FlowRun {
  const topology = buildSites(sites, clientsPerSite);
  const sim = new Simulator(1);
  const net = new FlowNetwork(sim, topology, { recompute: 'incremental' });
  const rnd = lcg(3);
  for (let s = 0; s < sites; s++) {
    for (let c = 0; c < clientsPerSite; c++) {
      const route = topology.route(`dp${s}`, `s${s}c${c}`)!;
      sim.at(rnd() * 600_000, () => net.start({ route, bytes: 1e8 + rnd() * 4e9, onDone: () => undefined }));
    }
  }
  const t0 = performance.now();
  sim.runSync();
  return { flowEvents: 2 * sites * clientsPerSite, seconds: (performance.now() - t0) / 1000, flowsSolved: net.stats.flowsSolved };
}

function flowFullPerEvent(sites: number, clientsPerSite: number, samples: number): number {
  const topology = buildSites(sites, clientsPerSite);
  const sim = new Simulator(1);
  const net = new FlowNetwork(sim, topology, { recompute: 'full' });
  for (let s = 0; s < sites; s++) {
    for (let c = 0; c < clientsPerSite; c++) {
      net.start({ route: topology.route(`dp${s}`, `s${s}c${c}`)!, bytes: 1e12, onDone: () => undefined });
    }
  }
  sim.runSync(0);
  const t0 = performance.now();
  for (let i = 0; i < samples; i++) net.solveAll();
  return (performance.now() - t0) / 1000 / samples;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(2);
}

async function main(): Promise<void> {
  console.log(`twin event core, ${PENDING.toLocaleString('en')} pending events (hold model)`);
  const heap = holdHeap(2_000_000);
  const sorted = holdSortedArray(20_000);
  console.log(`  typed-array heap (EventQueue):       ${fmt(heap)} events/s`);
  console.log(`  baseline sorted array + splice:      ${fmt(sorted)} events/s`);
  console.log(`  ratio heap / baseline:               ${(heap / sorted).toFixed(1)}×`);
  const simRate = holdSimulator(1_000_000);
  console.log(`  Simulator (after + runSync):         ${fmt(simRate)} events/s   goal ≥ 1 M events/s: ${simRate >= 1e6 ? 'met' : 'NOT met'}`);
  const promiseRate = await holdSimulatorWithPromises(100_000, 5);
  console.log(`  Simulator, a promise resumed per event (10^5 clients × 5 sleeps): ${fmt(promiseRate)} events/s`);

  const sites = 1000;
  const perSite = 100;
  console.log(`\nflow model: ${sites} sites × ${perSite} clients = ${(sites * perSite).toLocaleString('en')} flows, each site served by its own DP`);
  const inc = flowIncremental(sites, perSite);
  const incPerEvent = inc.seconds / inc.flowEvents;
  console.log(`  incremental: ${inc.flowEvents.toLocaleString('en')} flow starts/finishes in ${inc.seconds.toFixed(2)} s → ${(incPerEvent * 1e6).toFixed(1)} µs per flow event (goal ≤ 50 µs), ${(inc.flowsSolved / inc.flowEvents).toFixed(1)} flows re-solved per event`);
  const full = flowFullPerEvent(sites, perSite, 5);
  console.log(`  full recompute (baseline): ${(full * 1e3).toFixed(1)} ms per flow event (all ${(sites * perSite).toLocaleString('en')} flows re-solved)`);
  console.log(`  ratio full / incremental per event: ${(full / incPerEvent).toFixed(0)}×`);
  console.log(`  projected for the same run with full recompute: ${((full * inc.flowEvents) / 60).toFixed(0)} min vs ${inc.seconds.toFixed(1)} s`);
}

await main();
