import { expect } from 'chai';
import { Simulator } from '../simulator.js';

describe('Simulator.whenAborted', () => {
  it('wakes every wait still pending on a shared signal once, and none that already ended', async () => {
    const sim = new Simulator();
    const controller = new AbortController();
    const outcomes: string[] = [];
    const waits = Array.from({ length: 10_000 }, (_, i) =>
      sim.sleep(i < 5_000 ? 10 : 1_000_000, controller.signal).then(
        () => outcomes.push('done'),
        () => outcomes.push('aborted'),
      ),
    );
    sim.runSync(100);
    controller.abort(new Error('stop'));
    await Promise.all(waits);
    expect(outcomes.filter((o) => o === 'done')).to.have.length(5_000);
    expect(outcomes.filter((o) => o === 'aborted')).to.have.length(5_000);
    // The aborted sleeps' events were cancelled: nothing is left to run.
    expect(sim.pendingEvents).to.equal(0);
  });

  it('stops watching when asked, and never calls back for a signal that had already aborted', () => {
    const sim = new Simulator();
    const controller = new AbortController();
    let calls = 0;
    const stop = sim.whenAborted(controller.signal, () => calls++);
    sim.whenAborted(controller.signal, () => calls++);
    stop();
    controller.abort();
    sim.whenAborted(controller.signal, () => calls++);
    expect(calls).to.equal(1);
  });
});
