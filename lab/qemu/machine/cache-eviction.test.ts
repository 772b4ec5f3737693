import { expect } from 'chai';
import { evictionPlan, parseCacheListing } from './cache-eviction.js';

describe('lab/qemu machine: client cache eviction (osd-behaviours §4.3)', () => {
  const cached = parseCacheListing(['LAB00007 300 1700000300', 'LAB00005 100 1700000100', 'LAB00006 200 1700000200', 'LAB00009 50 1700000050'], 'LAB00009');

  it('reads the cache listing, leaving out the package being replaced', () => {
    expect(cached.map((c) => [c.packageId, c.bytes])).to.deep.equal([['LAB00007', 300 * 1024], ['LAB00005', 100 * 1024], ['LAB00006', 200 * 1024]]);
  });

  it('evicts the oldest packages until the new one fits', () => {
    expect(evictionPlan(cached, 1)).to.deep.equal(['LAB00005']);
    expect(evictionPlan(cached, 150 * 1024)).to.deep.equal(['LAB00005', 'LAB00006']);
    expect(evictionPlan(cached, 0)).to.deep.equal([]);
  });

  it('evicts nothing when even an empty cache would be too small', () => {
    expect(evictionPlan(cached, 601 * 1024)).to.equal(undefined);
  });
});
