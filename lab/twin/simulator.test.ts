import { expect } from 'chai';
import { Simulator } from './simulator.js';

describe('twin simulator: continuations and events of the same instant', () => {
  it('events already queued for the instant run before the continuations of promises resolved at it', async () => {
    const sim = new Simulator();
    const seen: string[] = [];
    void sim.sleep(10).then(() => seen.push(`A continues at ${sim.now()}`));
    sim.at(10, () => seen.push('B at 10'));
    sim.at(11, () => seen.push('C at 11'));
    await sim.run();
    expect(seen).to.deep.equal(['B at 10', 'A continues at 10', 'C at 11']);
  });

  it('a continuation runs before any later event, and what it schedules for the same instant runs after it', async () => {
    const sim = new Simulator();
    const seen: string[] = [];
    void sim.sleep(10).then(() => {
      seen.push('A continues');
      sim.after(0, () => seen.push('A scheduled at 10'));
    });
    sim.at(10.001, () => seen.push('B just after'));
    await sim.run();
    expect(seen).to.deep.equal(['A continues', 'A scheduled at 10', 'B just after']);
  });

  it('many waits ending at one instant all continue, in the order their events ran', async () => {
    const sim = new Simulator();
    const order: number[] = [];
    await Promise.all([sim.run(), ...Array.from({ length: 1000 }, (_, i) => sim.sleep(5).then(() => order.push(i)))]);
    expect(order).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
    expect(sim.now()).to.equal(5);
  });
});
