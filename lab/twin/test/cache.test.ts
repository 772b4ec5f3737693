import { expect } from 'chai';
import { ClientCache } from '../cache.js';
import { Disk } from '../disk/disk.js';
import { GIB, MIB } from '../disk/partition-types.js';

function cacheOf(limitBytes: number): { cache: ClientCache; disk: Disk } {
  const disk = new Disk(0, 64 * GIB, 'ahci', 'test');
  disk.partition({ diskIndex: 0, style: 'mbr', diskType: 'basic', partitions: [{ type: 'primary', size: 'remaining', fileSystem: 'ntfs', quickFormat: true, bootable: true }] });
  const volume = disk.partitions[0]!.volume!;
  return { cache: new ClientCache({ disk, volume, folder: '\\windows\\ccmcache', path: 'C:\\Windows\\ccmcache' }, limitBytes), disk };
}

describe('twin client cache', () => {
  it('refuses a package larger than the cache, evicting nothing', () => {
    const { cache } = cacheOf(1000 * MIB);
    expect(cache.place('OLD', 500 * MIB, 1).ok).to.equal(true);
    const r = cache.place('IMG', 1200 * MIB, 2);
    expect(r).to.deep.include({ ok: false, reason: 'tooSmall' });
    expect(cache.list().map((e) => e.packageId)).to.deep.equal(['OLD']);
  });

  it('evicts oldest first, only as much as needed', () => {
    const { cache } = cacheOf(1000 * MIB);
    cache.place('A', 300 * MIB, 1);
    cache.place('B', 300 * MIB, 2);
    cache.place('C', 300 * MIB, 3);
    cache.touch('A', 4);
    const r = cache.place('D', 300 * MIB, 5);
    expect(r).to.deep.equal({ ok: true, path: 'C:\\Windows\\ccmcache\\D', evicted: ['B'] });
    expect(cache.list().map((e) => e.packageId).sort()).to.deep.equal(['A', 'C', 'D']);
  });

  it('never evicts a locked package and does not place partially', () => {
    const { cache } = cacheOf(1000 * MIB);
    cache.place('LOCKED', 600 * MIB, 1);
    cache.place('FREE', 300 * MIB, 2);
    cache.setLocked('LOCKED', true);
    const r = cache.place('NEW', 500 * MIB, 3);
    expect(r).to.deep.include({ ok: false, reason: 'lockedContent' });
    expect(cache.list().map((e) => e.packageId)).to.deep.equal(['LOCKED', 'FREE']);
    expect(cache.usedBytes).to.equal(900 * MIB);
    cache.setLocked('LOCKED', false);
    expect(cache.place('NEW', 500 * MIB, 4)).to.deep.include({ ok: true, evicted: ['LOCKED'] });
  });

  it('is wiped when the disk it lives on is repartitioned', () => {
    const { cache, disk } = cacheOf(1000 * MIB);
    cache.place('A', 100 * MIB, 1);
    expect(cache.has('A')).to.equal(true);
    disk.partition({ diskIndex: 0, style: 'gpt', diskType: 'basic', partitions: [{ type: 'primary', size: 'remaining', fileSystem: 'ntfs', quickFormat: true, bootable: false }] });
    expect(cache.intact).to.equal(false);
    expect(cache.has('A')).to.equal(false);
    expect(cache.place('B', 1, 2).ok).to.equal(false);
  });
});
