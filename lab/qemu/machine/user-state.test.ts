// The pure parts of the user-state stores: manifests as md5sum prints them, the comparison the run's
// userStateRestored rests on, and which store a wipe keeps and a repartition destroys.
import { expect } from 'chai';
import { EXIT } from '../../twin/index.js';
import type { GuestShell } from './guest-shell.js';
import { compareManifests, LocalStateStores, parseManifest, type UserStateHost } from './user-state.js';

const A = 'd41d8cd98f00b204e9800998ecf8427e';
const B = '0cc175b9c0f1b6a831c399e269772661';

describe('lab/qemu machine: user state stores', () => {
  it('reads md5sum lines (text and binary mode, "./" prefixes, spaces in names) and ignores noise', () => {
    const m = parseManifest([`${A}  Users/alice/my notes.txt`, `${B} *./Users/bob/a.bin`, 'md5sum: Users/x: Permission denied', '']);
    expect([...m]).to.deep.equal([
      ['Users/alice/my notes.txt', A],
      ['Users/bob/a.bin', B],
    ]);
  });

  it('compares what capture saw with the profiles now: missing and changed files count, new ones do not', () => {
    const captured = parseManifest([`${A}  Users/a/1`, `${A}  Users/a/2`, `${A}  Users/b/3`]);
    const now = parseManifest([`${A}  Users/a/1`, `${B}  Users/a/2`, `${A}  Users/a/new`]);
    expect(compareManifests(captured, now)).to.deep.equal({ captured: 3, missing: ['Users/b/3'], changed: ['Users/a/2'] });
    expect(compareManifests(captured, captured)).to.deep.equal({ captured: 3, missing: [], changed: [] });
  });

  it('refuses a state migration point store and a path without a drive before touching the guest', async () => {
    const untouchable: UserStateHost = {
      shell: {} as GuestShell,
      volumeOf: () => Promise.reject(new Error('no guest here')),
      windowsVolume: () => Promise.reject(new Error('no guest here')),
    };
    const stores = new LocalStateStores();
    const smp = await stores.run({ operation: 'capture', storeLocation: 'stateMigrationPoint', hardLinks: false, storePath: '\\\\SMP01\\SMPSTOREB$', continueOnError: true }, untouchable);
    expect(smp.exitCode).to.equal(EXIT.notSupported);
    const noDrive = await stores.run({ operation: 'restore', storeLocation: 'local', hardLinks: true, storePath: 'UserState', continueOnError: true }, untouchable);
    expect(noDrive.exitCode).to.equal(EXIT.pathNotFound);
    expect(stores.keptOnWipe('/dev/sda1')).to.deep.equal([]);
    expect(await stores.compare(untouchable)).to.equal(undefined);
  });
});
