import { expect } from 'chai';
import fc from 'fast-check';
import { EventQueue } from '../event-queue.js';
import { Simulator } from '../simulator.js';

describe('twin event core', () => {
  it('pops events in time order, equal times first-in first-out, skipping cancelled ones', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 300 }), (specs) => {
        const q = new EventQueue(4);
        const ran: number[] = [];
        const handles = specs.map(([t], i) => q.push(t, () => ran.push(i)));
        specs.forEach(([, cancel], i) => cancel && q.cancel(handles[i]!));
        const out = new Float64Array(1);
        for (let a = q.pop(out); a; a = q.pop(out)) a();
        const expected = specs
          .map(([t, cancel], i) => ({ t, cancel, i }))
          .filter((e) => !e.cancel)
          .sort((a, b) => a.t - b.t || a.i - b.i)
          .map((e) => e.i);
        expect(ran).to.deep.equal(expected);
        expect(q.length).to.equal(0);
      }),
      { numRuns: 100, seed: 1 },
    );
  });

  it('moves pending events with reschedule and keeps heap order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.option(fc.integer({ min: 0, max: 100 }))), { maxLength: 200 }), (specs) => {
        const q = new EventQueue(2);
        const ran: [number, number][] = [];
        const out = new Float64Array(1);
        const handles = specs.map(([t], i) => q.push(t, () => ran.push([out[0]!, i])));
        specs.forEach(([, moved], i) => moved !== null && q.reschedule(handles[i]!, moved));
        for (let a = q.pop(out); a; a = q.pop(out)) a();
        expect(ran).to.have.length(specs.length);
        ran.forEach(([t, i], k) => {
          expect(t).to.equal(specs[i]![1] ?? specs[i]![0]);
          if (k > 0) expect(t).to.be.at.least(ran[k - 1]![0]);
        });
      }),
      { numRuns: 100, seed: 2 },
    );
  });

  it('ignores a stale handle whose slot was reused', () => {
    const q = new EventQueue();
    const out = new Float64Array(1);
    const first = q.push(1, () => undefined);
    q.pop(out)!();
    let ran = false;
    q.push(2, () => (ran = true));
    q.cancel(first);
    q.pop(out)!();
    expect(ran).to.equal(true);
  });

  it('runs every promise continuation before the next event', async () => {
    const sim = new Simulator();
    const log: string[] = [];
    const worker = async (name: string) => {
      await sim.sleep(10);
      log.push(`${name} woke at ${sim.now()}`);
      // Scheduled by a continuation at the same instant: must still run before the t=20 event.
      await sim.sleep(0);
      log.push(`${name} again at ${sim.now()}`);
    };
    sim.at(20, () => log.push('event at 20'));
    const done = Promise.all([worker('a'), worker('b')]);
    await sim.run();
    await done;
    expect(log).to.deep.equal(['a woke at 10', 'b woke at 10', 'a again at 10', 'b again at 10', 'event at 20']);
  });

  it('is deterministic for a seed', () => {
    const draw = (seed: number) => {
      const sim = new Simulator(seed);
      return Array.from({ length: 5 }, () => sim.random());
    };
    expect(draw(3)).to.deep.equal(draw(3));
    expect(draw(3)).to.not.deep.equal(draw(4));
  });

  it('stops an aborted run', async () => {
    const sim = new Simulator();
    const controller = new AbortController();
    const tick = () => sim.after(1000, () => void sim.deferred<void>().resolve());
    for (let i = 0; i < 10; i++) sim.at(i * 1000, tick);
    controller.abort(new Error('stop'));
    let error: unknown;
    await sim.run({ signal: controller.signal }).catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('stop');
  });
});

describe('twin virtual clock start', () => {
  it('starts at the configured time and never reads the wall clock', async () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const sim = new Simulator(1, start);
    const woke = sim.sleep(1500).then(() => sim.now());
    await sim.run();
    expect(await woke).to.equal(start + 1500);
  });
});
