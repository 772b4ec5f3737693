// Convert Disk to Dynamic in place: partitions made by sfdisk/sgdisk and formatted by mkfs become
// simple volumes over the same sectors, with their file systems intact; ldmtool is the judge.
import { expect } from 'chai';
import { join } from 'node:path';
import { execa } from 'execa';
import { InputError } from '../../../../scenarios/index.js';
import { GPT_TYPE } from '../../../twin/index.js';
import { convertDiskToDynamic } from '../convert-disk.js';
import { withDiskImage } from '../disk-image.js';
import { formatVolumes } from '../format-volume.js';
import { readDiskImage } from '../read-disk.js';
import { ldmtool, MIB, rawImage, sfdiskJson, scratchForSuite } from './helpers.js';

async function formatAll(image: string, volumes: { start: number; size: number; fileSystem: 'ntfs' | 'fat32'; label: string }[]): Promise<void> {
  await withDiskImage(image, { writable: true }, (disk) =>
    formatVolumes(disk, volumes.map((v) => ({ offsetBytes: v.start * 512, sizeBytes: v.size * 512, fileSystem: v.fileSystem, label: v.label }))),
  );
}

describe('lab/qemu/disk Convert Disk to Dynamic in place', function () {
  this.timeout(60_000);
  const scratch = scratchForSuite(['ldmtool', 'sfdisk', 'sgdisk', 'mkfs.vfat', 'mkntfs', 'qemu-img']);

  it('MBR: primaries and logicals become simple volumes over the same sectors, data kept, boot code and active flag kept', async () => {
    const image = await rawImage(join(scratch(), 'mbr.img'), 256 * MIB);
    await execa('sfdisk', ['-q', image], {
      // The extended partition leaves the last MiBs free, as the database needs them.
      input: `label: dos\nstart=2048, size=64MiB, type=c, bootable\nsize=64MiB, type=7\nsize=100MiB, type=f\n${image}5 : size=40MiB, type=7\n`,
    });
    const before = await sfdiskJson(image);
    const at = (n: string) => before.partitions.find((p) => p.node.endsWith(n))!;
    await formatAll(image, [
      { ...at('1'), fileSystem: 'fat32', label: 'SYSTEM' },
      { ...at('2'), fileSystem: 'ntfs', label: 'Windows' },
      { ...at('5'), fileSystem: 'ntfs', label: 'Data' },
    ]);
    await withDiskImage(image, { writable: true }, (d) => d.write(0, Buffer.from('osdlab boot code')));
    const layout = await convertDiskToDynamic(image, { diskGroupName: 'PC7Dg0' });
    const group = layout.privHead.diskGroupGuid;
    expect(await ldmtool(image, 'show', 'diskgroup', group)).to.deep.include({ name: 'PC7Dg0', volumes: ['Volume1', 'Volume2', 'Volume3'] });
    for (const [i, node] of ['1', '2', '5'].entries()) {
      expect(await ldmtool(image, 'show', 'volume', group, `Volume${i + 1}`)).to.deep.include({ type: 'simple', size: at(node).size });
      const part = (await ldmtool(image, 'show', 'partition', group, `Disk1-0${i + 1}`)) as { start: number };
      expect(part.start + layout.privHead.logicalDiskStart).to.equal(at(node).start);
    }
    const table = await sfdiskJson(image);
    expect(table.partitions.map((p) => [p.start, p.type, p.bootable === true])).to.deep.equal([[2048, '42', true]]);
    const facts = await readDiskImage(image);
    expect(facts.partitions.map((p) => [p.offsetBytes / 512, p.sizeBytes / 512, p.typeId, p.active, p.fileSystem, p.label])).to.deep.equal([
      [at('1').start, at('1').size, '42', true, 'fat32', 'SYSTEM'],
      [at('2').start, at('2').size, '42', false, 'ntfs', 'Windows'],
      [at('5').start, at('5').size, '42', false, 'ntfs', 'Data'],
    ]);
    await withDiskImage(image, {}, async (d) => expect((await d.read(0, 16)).toString()).to.equal('osdlab boot code'));
  });

  it('GPT: basic data partitions become LDM data partitions, the metadata partition comes out of the MSR, ESP and recovery stay', async () => {
    const image = await rawImage(join(scratch(), 'gpt.img'), 256 * MIB);
    await execa('sgdisk', [
      ...['-n', '1:2048:+100M', '-t', '1:ef00', '-c', '1:EFI system partition'],
      ...['-n', '2:0:+16M', '-t', '2:0c01', '-c', '2:Microsoft reserved partition'],
      ...['-n', '3:0:+64M', '-t', '3:0700', '-c', '3:Basic data partition'],
      ...['-n', '4:0:+40M', '-t', '4:0700', '-c', '4:Basic data partition'],
      ...['-n', '5:0:0', '-t', '5:2700', '-c', '5:Recovery', '-A', '5:set:0'],
      image,
    ]);
    const before = await sfdiskJson(image);
    const p = (i: number) => before.partitions[i]!;
    await formatAll(image, [
      { ...p(0), fileSystem: 'fat32', label: 'SYSTEM' },
      { ...p(2), fileSystem: 'ntfs', label: 'Windows' },
      { ...p(3), fileSystem: 'fat32', label: 'Data' },
      { ...p(4), fileSystem: 'ntfs', label: 'Recovery' },
    ]);
    const layout = await convertDiskToDynamic(image);
    expect((await execa('sgdisk', ['-v', image])).stdout).to.match(/No problems found/);
    const after = await sfdiskJson(image);
    expect(after.partitions.map((q) => [q.type, q.start, q.size])).to.deep.equal([
      [GPT_TYPE.efiSystem, p(0).start, p(0).size],
      [GPT_TYPE.ldmMetadata, p(1).start, 2048],
      [GPT_TYPE.microsoftReserved, p(1).start + 2048, p(1).size - 2048],
      [GPT_TYPE.ldmData, p(2).start, p(2).size],
      [GPT_TYPE.ldmData, p(3).start, p(3).size],
      [GPT_TYPE.recovery, p(4).start, p(4).size],
    ]);
    expect(after.partitions[5]!.attrs).to.equal('RequiredPartition');
    expect(after.partitions.map((q) => q.uuid)).to.include.members(before.partitions.map((q) => q.uuid));
    const group = layout.privHead.diskGroupGuid;
    expect(await ldmtool(image, 'show', 'volume', group, 'Volume1')).to.deep.include({ type: 'simple', size: p(2).size });
    expect(await ldmtool(image, 'show', 'volume', group, 'Volume2')).to.deep.include({ type: 'simple', size: p(3).size });
    const second = (await ldmtool(image, 'show', 'partition', group, 'Disk1-02')) as { start: number };
    expect(second.start + layout.privHead.logicalDiskStart).to.equal(p(3).start);
    const facts = await readDiskImage(image);
    expect(facts.partitions.map((q) => [q.type, q.fileSystem, q.label])).to.deep.equal([
      ['efi', 'fat32', 'SYSTEM'],
      ['msr', undefined, undefined],
      ['primary', 'ntfs', 'Windows'],
      ['primary', 'fat32', 'DATA'],
      ['recovery', 'ntfs', 'Recovery'],
    ]);
  });

  it('refuses a disk without 1 MB free at its end, an uninitialised disk and a disk that is already dynamic', async () => {
    const full = await rawImage(join(scratch(), 'full.img'), 64 * MIB);
    await execa('sfdisk', ['-q', full], { input: 'label: dos\nstart=2048, type=7\n' });
    const err = await convertDiskToDynamic(full, { source: { file: 'ts.xml', path: 'OSDConvertDiskIndex' } }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InputError);
    expect((err as Error).message).to.equal('ts.xml OSDConvertDiskIndex: the disk needs 1 MB of unallocated space at its end for the LDM database; shrink the last partition first');
    const blank = await rawImage(join(scratch(), 'blank.img'), 16 * MIB);
    expect(await convertDiskToDynamic(blank).catch((e: Error) => e.message)).to.match(/not initialised/);
    const once = await rawImage(join(scratch(), 'once.img'), 64 * MIB);
    await execa('sfdisk', ['-q', once], { input: 'label: dos\nstart=2048, size=32MiB, type=7\n' });
    await convertDiskToDynamic(once);
    expect(await convertDiskToDynamic(once).catch((e: Error) => e.message)).to.match(/already dynamic/);
  });
});
