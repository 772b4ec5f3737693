// Capture Operating System Image's checks before anything is read: where a destination lands on
// the share, and which volumes cannot be captured.
import { expect } from 'chai';
import type { DiskFacts } from '../../../harness/index.js';
import { captureRefusal, captureTarget } from './capture.js';
import type { GuestPartition } from './guest-disks.js';

const windows: GuestPartition = { number: 2, type: 'primary', typeId: '07', sizeBytes: 2 ** 30, offsetBytes: 2 ** 20, fileSystem: 'ntfs', active: true, driveLetter: 'C:', device: '/dev/sda2', diskIndex: 0 };
const disk = (partitions: GuestPartition[], dynamic = false): DiskFacts => ({ index: 0, sizeBytes: 2 ** 32, model: 'QEMU HARDDISK', controller: 'ahci', style: 'mbr', dynamic, partitions });

describe('lab/qemu machine: capture checks', () => {
  it('maps \\\\server\\share\\…\\x.wim under the share root, and refuses other destinations', () => {
    expect(captureTarget('\\\\DP01\\Captures$\\Reference\\Win11.wim', '/srv/shares')).to.deep.equal({ path: '/srv/shares/dp01/captures$/Reference/Win11.wim' });
    for (const bad of ['C:\\captures\\x.wim', '\\\\DP01\\Captures$\\x.vhd', '\\\\DP01\\x.wim', '\\\\DP01\\Captures$\\..\\..\\x.wim']) {
      expect(captureTarget(bad, '/srv/shares'), bad).to.have.property('message').that.includes(bad);
    }
  });

  it('captures an NTFS data partition of a basic disk only', () => {
    expect(captureRefusal(disk([windows]), windows)).to.equal(undefined);
    expect(captureRefusal(disk([windows], true), windows)).to.match(/dynamic disk: only simple volumes on basic disks/);
    expect(captureRefusal(disk([{ ...windows, typeId: '42' }]), { ...windows, typeId: '42' })).to.match(/dynamic disk/);
    expect(captureRefusal(disk([windows]), { ...windows, fileSystem: 'fat32' })).to.match(/is not NTFS/);
    expect(captureRefusal(disk([windows]), { ...windows, type: 'recovery' })).to.match(/\(recovery\) holds no Windows installation/);
  });
});
