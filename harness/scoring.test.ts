import { expect } from 'chai';
import type { Expectation } from '../scenarios/index.js';
import type { DiskFacts } from './machine.js';
import { scoreMachine, type Observation } from './scoring.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

const gptDisk: DiskFacts = {
  index: 0,
  sizeBytes: 64 * GiB,
  model: 'QEMU HARDDISK',
  controller: 'sata',
  style: 'gpt',
  dynamic: false,
  partitions: [
    { number: 1, type: 'efi', typeId: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', sizeBytes: 500 * MiB, offsetBytes: MiB, fileSystem: 'fat32', label: 'SYSTEM', active: false },
    { number: 2, type: 'msr', typeId: 'E3C9E316-0B5C-4DB8-817D-F92DF00215AE', sizeBytes: 128 * MiB, offsetBytes: 501 * MiB, active: false },
    { number: 3, type: 'primary', typeId: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', sizeBytes: 64 * GiB - 630 * MiB, offsetBytes: 629 * MiB, fileSystem: 'ntfs', label: 'Windows', active: false },
  ],
};

const seen: Observation = {
  outcome: 'success',
  steps: [
    { path: '1', name: 'Partition Disk 0 - UEFI', type: 'SMS_TaskSequence_PartitionDiskAction', kind: 'step', status: 'success', exitCode: 0 },
    { path: '2', name: 'Partition Disk 0 - BIOS', type: 'SMS_TaskSequence_PartitionDiskAction', kind: 'step', status: 'skipped' },
  ],
  variables: { OSDComputerName: 'PC01', _SMSTSBootUEFI: 'true' },
  disks: [gptDisk],
  files: { 'C:\\Windows\\System32\\ntoskrnl.exe': true, 'C:\\Users\\alice\\notes.txt': false },
  userStateRestored: false,
  bootsToFullOs: true,
  durationMs: 1_800_000,
};

describe('scoring', () => {
  it('checks only the fields given, and reports every one with expected and actual', () => {
    const want: Expectation = { outcome: 'success', steps: { 'partition disk 0 - bios': 'skipped' }, variables: { _smstsbootuefi: 'TRUE' } };
    const r = scoreMachine(want, seen);
    expect(r.map((e) => e.what)).to.deep.equal(['outcome', 'step "partition disk 0 - bios" status', 'variable _smstsbootuefi']);
    expect(r.every((e) => e.pass)).to.equal(true);
  });

  it('fails a different outcome, a missing step and a missing variable', () => {
    const r = scoreMachine({ outcome: 'failed', failedStep: 'Restart Computer', steps: { 'Nope': 'success' }, variables: { Missing: 'x' } }, seen);
    expect(r.filter((e) => !e.pass).map((e) => [e.what, e.actual])).to.deep.equal([
      ['outcome', 'success'],
      ['failedStep', null],
      ['step "Nope" status', 'absent'],
      ['variable Missing', null],
    ]);
  });

  it('compares the disk layout: style, type, partitions with sizes within tolerance', () => {
    const ok = scoreMachine(
      {
        disks: [
          {
            index: 0,
            style: 'gpt',
            type: 'basic',
            partitions: [{ type: 'efi', size: { bytes: 500 * MiB }, fileSystem: 'fat32' }, { type: 'msr' }, { type: 'primary', size: { percent: 99 }, fileSystem: 'ntfs', label: 'WINDOWS' }],
          },
        ],
      },
      seen,
    );
    expect(ok.filter((e) => !e.pass), JSON.stringify(ok)).to.deep.equal([]);
    const bad = scoreMachine({ disks: [{ index: 0, style: 'mbr', partitions: [{ type: 'efi', size: { bytes: 100 * MiB } }] }] }, seen);
    expect(bad.filter((e) => !e.pass).map((e) => e.what)).to.deep.equal(['disk 0 partition style', 'disk 0 partition count', 'disk 0 partition 1 size (bytes)']);
  });

  it('reports a disk that does not exist', () => {
    const r = scoreMachine({ disks: [{ index: 1 }] }, seen);
    expect(r).to.deep.equal([{ what: 'disk 1 present', pass: false, expected: true, actual: false }]);
  });

  it('checks files, user state, boot and duration bounds', () => {
    const r = scoreMachine(
      {
        files: ['C:\\Windows\\System32\\ntoskrnl.exe'],
        absentFiles: ['C:\\Users\\alice\\notes.txt'],
        userStateRestored: true,
        bootsToFullOs: true,
        duration: { max: 1_000_000 },
      },
      seen,
    );
    expect(r.map((e) => [e.what, e.pass])).to.deep.equal([
      ['file C:\\Windows\\System32\\ntoskrnl.exe present', true],
      ['file C:\\Users\\alice\\notes.txt absent', true],
      ['userStateRestored', false],
      ['bootsToFullOs', true],
      ['duration (ms)', false],
    ]);
  });
});
