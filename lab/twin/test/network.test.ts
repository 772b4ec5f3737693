import { expect } from 'chai';
import fc from 'fast-check';
import { Simulator } from '../simulator.js';
import { Topology } from '../network/topology.js';
import { FlowNetwork } from '../network/flows.js';
import { maxMinFair, toFlowPaths } from '../network/maxmin.js';
import { TCP_GOODPUT_FACTOR, tcpFlowCeiling } from '../network/goodput.js';

const MB = 1e6;

function star(clients: number, bandwidthBps: number): Topology {
  const t = new Topology();
  t.addLink({ id: 'dp-uplink', from: 'dp', to: 'switch', bandwidthBps, latencyMs: 0 });
  for (let i = 0; i < clients; i++) t.addLink({ id: `c${i}`, from: 'switch', to: `c${i}`, bandwidthBps: 1e9, latencyMs: 0 });
  return t;
}

/** Textbook check (Bertsekas–Gallager): feasible, and every flow is capped or has a bottleneck link. */
function assertMaxMin(capacity: number[], paths: number[][], caps: number[], rates: Float64Array): void {
  const load = capacity.map(() => 0);
  paths.forEach((p, f) => p.forEach((l) => (load[l]! += rates[f]!)));
  load.forEach((x, l) => expect(x).to.be.at.most(capacity[l]! * (1 + 1e-9) + 1e-9));
  paths.forEach((p, f) => {
    if (Math.abs(rates[f]! - caps[f]!) <= 1e-9 * Math.max(1, caps[f]!)) return;
    const hasBottleneck = p.some(
      (l) =>
        load[l]! >= capacity[l]! * (1 - 1e-9) &&
        paths.every((q, g) => !q.includes(l) || rates[g]! <= rates[f]! * (1 + 1e-9) + 1e-9),
    );
    expect(hasBottleneck, `flow ${f} has neither reached its cap nor a bottleneck link`).to.equal(true);
  });
}

/** Brute-force progressive filling: raise every unfrozen flow by a small step until something binds. */
function bruteForce(capacity: number[], paths: number[][], caps: number[]): number[] {
  const step = 1e-4;
  const rates = paths.map(() => 0);
  const frozen = paths.map(() => false);
  for (let iter = 0; iter < 1e6 && frozen.includes(false); iter++) {
    paths.forEach((_, f) => {
      if (!frozen[f]) rates[f]! += step;
    });
    const load = capacity.map(() => 0);
    paths.forEach((p, f) => p.forEach((l) => (load[l]! += rates[f]!)));
    paths.forEach((p, f) => {
      if (frozen[f]) return;
      if (rates[f]! >= caps[f]! || p.some((l) => load[l]! >= capacity[l]!)) frozen[f] = true;
    });
  }
  return rates;
}

describe('twin network: flows and max-min fairness', () => {
  it('one client downloading S bytes over one link of capacity C finishes at S/(ηC)', () => {
    const sim = new Simulator();
    const topo = star(1, 100e6);
    const net = new FlowNetwork(sim, topo);
    let doneAt = -1;
    net.start({ route: topo.route('dp', 'c0')!, bytes: 2000 * MB, onDone: () => (doneAt = sim.now()) });
    sim.runSync();
    const expected = (2000 * MB) / ((TCP_GOODPUT_FACTOR * 100e6) / 8) * 1000;
    expect(doneAt).to.be.closeTo(expected, expected * 0.01);
  });

  it('N clients sharing one link each get C/N', () => {
    const sim = new Simulator();
    const topo = star(10, 100e6);
    const net = new FlowNetwork(sim, topo);
    const ids = Array.from({ length: 10 }, (_, i) =>
      net.start({ route: topo.route('dp', `c${i}`)!, bytes: 1e9, onDone: () => undefined }),
    );
    sim.runSync(0);
    const share = (100e6 / 8) * TCP_GOODPUT_FACTOR / 10;
    for (const id of ids) expect(net.rate(id)).to.be.closeTo(share, share * 1e-9);
  });

  it('a bottleneck two hops away limits a flow, and the spare capacity goes to the others', () => {
    const t = new Topology();
    t.addLink({ id: 'uplink', from: 'dp', to: 'core', bandwidthBps: 1e9, latencyMs: 0 });
    t.addLink({ id: 'wan', from: 'core', to: 'branch', bandwidthBps: 10e6, latencyMs: 0 });
    t.addLink({ id: 'a', from: 'branch', to: 'a', bandwidthBps: 1e9, latencyMs: 0 });
    t.addLink({ id: 'b', from: 'core', to: 'b', bandwidthBps: 1e9, latencyMs: 0 });
    const sim = new Simulator();
    const net = new FlowNetwork(sim, t, { goodputFactor: 1 });
    const fa = net.start({ route: t.route('dp', 'a')!, bytes: 1e12, onDone: () => undefined });
    const fb = net.start({ route: t.route('dp', 'b')!, bytes: 1e12, onDone: () => undefined });
    sim.runSync(0);
    expect(net.rate(fa)).to.be.closeTo(10e6 / 8, 1e-6);
    expect(net.rate(fb)).to.be.closeTo(1e9 / 8 - 10e6 / 8, 1e-6);
  });

  it('matches the textbook max-min characterisation and brute-force filling on random topologies', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.option(fc.integer({ min: 1, max: 15 }))), {
          minLength: 1,
          maxLength: 8,
        }),
        (capacity, flowSpecs) => {
          const paths = flowSpecs.map(([p]) => [...new Set(p.map((x) => x % capacity.length))]);
          const caps = flowSpecs.map(([, c]) => c ?? Infinity);
          const rates = maxMinFair(capacity, toFlowPaths(paths), caps);
          assertMaxMin(capacity, paths, caps, rates);
          const brute = bruteForce(capacity, paths, caps);
          brute.forEach((r, f) => expect(rates[f]).to.be.closeTo(r, 2e-3));
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });

  it('incremental recomputation finishes every flow at the same time as full recomputation', () => {
    const finishTimes = (mode: 'incremental' | 'full') => {
      const t = new Topology();
      for (let s = 0; s < 4; s++) {
        t.addLink({ id: `dp${s}`, from: `dp${s}`, to: `site${s}`, bandwidthBps: 100e6 * (s + 1), latencyMs: 1 });
        for (let c = 0; c < 5; c++) t.addLink({ id: `s${s}c${c}`, from: `site${s}`, to: `s${s}c${c}`, bandwidthBps: 40e6 * (c + 1), latencyMs: 0 });
      }
      t.addLink({ id: 'wan', from: 'site0', to: 'site1', bandwidthBps: 20e6, latencyMs: 10 });
      const sim = new Simulator(7);
      const net = new FlowNetwork(sim, t, { recompute: mode });
      const done: number[] = [];
      for (let i = 0; i < 40; i++) {
        const s = i % 4;
        const src = i % 7 === 0 && s < 2 ? `dp${1 - s}` : `dp${s}`;
        const dst = `s${s}c${i % 5}`;
        sim.at(i * 137, () =>
          net.start({ route: t.route(src, dst)!, bytes: (1 + (i % 3)) * 10 * MB, onDone: () => (done[i] = sim.now()) }),
        );
      }
      sim.runSync();
      return { done, solved: net.stats.flowsSolved };
    };
    const inc = finishTimes('incremental');
    const full = finishTimes('full');
    inc.done.forEach((t, i) => expect(t).to.be.closeTo(full.done[i]!, 1e-6 * full.done[i]!));
    expect(inc.solved).to.be.lessThan(full.solved);
  });

  it('re-solving only the touched components gives the rates of a full re-solve, on random start and abort sequences', () => {
    // The invariant the incremental re-solve relies on: max-min rates of a component do not depend on
    // flows that share no link with it, so solving each touched component apart (in any order) gives
    // the rates of one solve over every flow. Checked after every virtual second, and on finish times.
    const transfer = fc.record({
      at: fc.integer({ min: 0, max: 40 }),
      site: fc.nat(),
      client: fc.nat(),
      fromSite: fc.nat(),
      mb: fc.integer({ min: 1, max: 120 }),
      cap: fc.option(fc.integer({ min: 1, max: 40 })),
      abortAfter: fc.option(fc.integer({ min: 1, max: 30 })),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3 }),
        fc.array(transfer, { minLength: 1, maxLength: 30 }),
        (sites, wans, transfers) => {
          const run = (mode: 'incremental' | 'full') => {
            const t = new Topology();
            for (let s = 0; s < sites; s++) {
              t.addLink({ id: `dp${s}`, from: `dp${s}`, to: `site${s}`, bandwidthBps: 20e6 * (s + 1), latencyMs: 0 });
              for (let c = 0; c < 3; c++) t.addLink({ id: `s${s}c${c}`, from: `site${s}`, to: `s${s}c${c}`, bandwidthBps: 8e6 * (c + 1), latencyMs: 0 });
            }
            wans.forEach(([a, b], i) => {
              if (a % sites !== b % sites) t.addLink({ id: `wan${i}`, from: `site${a % sites}`, to: `site${b % sites}`, bandwidthBps: 5e6 * (i + 1), latencyMs: 0 });
            });
            const sim = new Simulator(1);
            const net = new FlowNetwork(sim, t, { recompute: mode });
            const ids: number[] = [];
            const done: number[] = [];
            transfers.forEach((x, i) => {
              const to = `s${x.site % sites}c${x.client % 3}`;
              const route = t.route(`dp${x.fromSite % sites}`, to) ?? t.route(`dp${x.site % sites}`, to)!;
              sim.at(x.at * 1000, () => {
                ids[i] = net.start({ route, bytes: x.mb * MB, capBytesPerSec: x.cap === null ? undefined : x.cap * MB, onDone: () => (done[i] = sim.now()) });
              });
              if (x.abortAfter !== null) sim.at((x.at + x.abortAfter) * 1000, () => net.abort(ids[i]!));
            });
            const rates: number[][] = [];
            for (let second = 0; sim.pendingEvents > 0; second++) {
              sim.runSync(second * 1000);
              rates.push(ids.map((id) => net.rate(id)));
            }
            return { rates, done, solved: net.stats.flowsSolved };
          };
          const inc = run('incremental');
          const full = run('full');
          expect(inc.rates.length).to.equal(full.rates.length);
          inc.rates.forEach((at, second) => at.forEach((r, i) => expect(r, `flow ${i} at ${second} s`).to.be.closeTo(full.rates[second]![i]!, 1e-9 * Math.max(1, r))));
          expect(inc.done.length).to.equal(full.done.length);
          inc.done.forEach((t, i) => expect(t, `flow ${i} finished`).to.be.closeTo(full.done[i]!, 1e-6 * Math.max(1, t)));
          expect(inc.solved).to.be.at.most(full.solved);
        },
      ),
      { numRuns: 80, seed: 4 },
    );
  });

  it('TCP ceilings: window over RTT, and the Mathis bound under loss', () => {
    expect(tcpFlowCeiling(100, 0, { windowBytes: 2 * 1024 * 1024 })).to.be.closeTo(20.97e6, 0.01e6);
    expect(tcpFlowCeiling(20, 1e-4) / 1e6).to.be.closeTo(8.9, 0.1);
    expect(tcpFlowCeiling(0, 0.01)).to.equal(Infinity);
  });
});
