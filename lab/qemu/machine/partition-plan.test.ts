import { expect } from 'chai';
import type { PartitionDiskRequest, PartitionSpec } from '../../../harness/index.js';
import { partitionDevice, planPartitions } from './partition-plan.js';

const GB = 1024 ** 3;
const part = (over: Partial<PartitionSpec>): PartitionSpec => ({ type: 'primary', size: 'remaining', quickFormat: true, bootable: false, ...over });
const request = (style: 'mbr' | 'gpt', partitions: PartitionSpec[]): PartitionDiskRequest => ({ diskIndex: 0, style, diskType: 'basic', partitions });

describe('lab/qemu machine: partition plan (osddiskpart → sfdisk/sgdisk)', () => {
  it('names partition devices as Linux does', () => {
    expect(partitionDevice('/dev/sda', 2)).to.equal('/dev/sda2');
    expect(partitionDevice('/dev/nvme0n1', 1)).to.equal('/dev/nvme0n1p1');
    expect(partitionDevice('/dev/vdb', 5)).to.equal('/dev/vdb5');
  });

  it('UEFI GPT: ESP, MSR and Windows with their type codes, names, sizes and formats', () => {
    const r = planPartitions(
      request('gpt', [
        part({ type: 'efi', size: { value: 100, unit: 'MB' }, fileSystem: 'fat32', label: 'System' }),
        part({ type: 'msr', size: { value: 16, unit: 'MB' } }),
        part({ fileSystem: 'ntfs', label: 'Windows' }),
      ]),
      '/dev/nvme0n1',
      2 * GB,
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.plan.partitions.map((p) => [p.number, p.startMiB, p.sizeMiB])).to.deep.equal([[1, 1, 100], [2, 101, 16], [3, 117, 2048 - 1 - 1 - 116]]);
    const script = r.plan.commands.join('\n');
    expect(script).to.include('-n 1:2048:206847 -t 1:ef00').and.include('-t 2:0c01').and.include("-t 3:0700 -c 3:'Windows'");
    expect(script).to.include("mkfs.vfat -F 32 -n 'SYSTEM' /dev/nvme0n1p1").and.include("mkntfs -Q -q -L 'Windows' /dev/nvme0n1p3");
    expect(script).not.to.match(/nvme0n1p2/);
  });

  it('BIOS MBR: active System Reserved and Windows; percentages are of what fixed sizes leave', () => {
    const r = planPartitions(
      request('mbr', [
        part({ size: { value: 350, unit: 'MB' }, fileSystem: 'ntfs', label: 'System Reserved', bootable: true }),
        part({ size: { value: 50, unit: 'PERCENT' }, fileSystem: 'ntfs', label: 'Windows' }),
        part({ type: 'recovery', size: { value: 1, unit: 'GB' }, fileSystem: 'ntfs' }),
      ]),
      '/dev/sda',
      4 * GB,
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.plan.partitions.map((p) => [p.typeId, p.sizeMiB])).to.deep.equal([['07', 350], ['07', Math.floor((4095 - 350 - 1024) / 2)], ['27', 1024]]);
    expect(r.plan.commands.join('\n')).to.include("'start=2048, size=716800, type=07, bootable'").and.include('type=27');
  });

  it('MBR logical partitions live inside the extended one and are numbered from 5', () => {
    const r = planPartitions(request('mbr', [part({ size: { value: 1, unit: 'GB' }, fileSystem: 'ntfs' }), part({ type: 'extended' }), part({ type: 'logical', fileSystem: 'fat32' })]), '/dev/sda', 4 * GB);
    if (!r.ok) throw new Error(r.message);
    expect(r.plan.partitions.map((p) => [p.number, p.typeId, p.startMiB])).to.deep.equal([[1, '07', 1], [2, '0F', 1025], [5, '0C', 1026]]);
  });

  it('refuses what osddiskpart refuses', () => {
    const refuse = (req: PartitionDiskRequest, bytes = 4 * GB) => {
      const r = planPartitions(req, '/dev/sda', bytes);
      return r.ok ? 'accepted' : r.message;
    };
    expect(refuse(request('mbr', [part({ type: 'msr', size: { value: 16, unit: 'MB' } })]))).to.match(/MSR/);
    expect(refuse(request('gpt', [part({ type: 'extended' })]))).to.match(/only on MBR/);
    expect(refuse(request('mbr', [part({ size: { value: 8, unit: 'GB' } })]))).to.match(/need 8192 MB/);
    expect(refuse(request('mbr', Array.from({ length: 5 }, () => part({ size: { value: 10, unit: 'MB' } }))))).to.match(/four primary/);
    expect(refuse(request('mbr', [part({}), part({})]))).to.match(/only one partition/);
    expect(refuse(request('mbr', []))).to.match(/no partitions/);
  });
});
