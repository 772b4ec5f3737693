// The reader against images made by the real tools (sfdisk/sgdisk, mkfs.vfat, mkntfs):
// it must see exactly what sfdisk sees, and the file systems and labels that were made.
import { expect } from 'chai';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { openDiskImage } from '../disk-image.js';
import { formatVolumes, type VolumeFormat } from '../format-volume.js';
import { readDiskImage, readDiskLayout, type DiskLayout } from '../read-disk.js';
import { MIB, rawImage, scratchDir, sfdiskJson, toolsUnavailable } from './helpers.js';

async function format(image: string, volumes: VolumeFormat[]): Promise<void> {
  const disk = await openDiskImage(image, { writable: true });
  try {
    await formatVolumes(disk, volumes);
  } finally {
    await disk.close();
  }
}

/** Every field sfdisk reports, compared partition by partition in sfdisk's order. */
async function expectSameAsSfdisk(image: string, layout: DiskLayout): Promise<void> {
  const table = await sfdiskJson(image);
  expect(layout.style).to.equal(table.label === 'dos' ? 'mbr' : 'gpt');
  expect(layout.partitions.map((p) => p.offsetBytes / 512)).to.deep.equal(table.partitions.map((p) => p.start));
  expect(layout.partitions.map((p) => p.sizeBytes / 512)).to.deep.equal(table.partitions.map((p) => p.size));
  const typeOf = (t: string) => (table.label === 'dos' ? t.toUpperCase().padStart(2, '0') : t);
  expect(layout.partitions.map((p) => p.typeId)).to.deep.equal(table.partitions.map((p) => typeOf(p.type)));
  expect(layout.partitions.map((p) => p.active)).to.deep.equal(table.partitions.map((p) => p.bootable === true));
  if (table.label === 'gpt') expect(layout.partitions.map((p) => p.name)).to.deep.equal(table.partitions.map((p) => p.name));
}

describe('lab/qemu/disk reader on basic disks made by sfdisk/sgdisk', function () {
  this.timeout(60_000);
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let mbr: string;
  let gpt: string;

  before(async function () {
    const why = await toolsUnavailable(['sfdisk', 'sgdisk', 'mkfs.vfat', 'mkntfs', 'qemu-img']);
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    scratch = await scratchDir();
    mbr = await rawImage(join(scratch.dir, 'mbr.img'), 256 * MIB);
    // Primary FAT32 (active), an extended partition with an NTFS and an unformatted logical one.
    await execa('sfdisk', ['-q', mbr], { input: 'label: dos\nstart=2048, size=64MiB, type=c, bootable\nsize=48MiB, type=7\ntype=f\nsize=40MiB, type=7\ntype=7\n' });
    const mbrTable = await sfdiskJson(mbr);
    const at = (node: string) => mbrTable.partitions.find((p) => p.node.endsWith(node))!;
    await format(mbr, [
      { offsetBytes: at('1').start * 512, sizeBytes: at('1').size * 512, fileSystem: 'fat32', label: 'SYSTEM' },
      { offsetBytes: at('2').start * 512, sizeBytes: at('2').size * 512, fileSystem: 'ntfs', label: 'Windows' },
      { offsetBytes: at('5').start * 512, sizeBytes: at('5').size * 512, fileSystem: 'ntfs', label: 'Data' },
    ]);

    gpt = await rawImage(join(scratch.dir, 'gpt.img'), 256 * MIB);
    await execa('sgdisk', [
      ...['-n', '1:2048:+100M', '-t', '1:ef00', '-c', '1:EFI system partition'],
      ...['-n', '2:0:+16M', '-t', '2:0c01', '-c', '2:Microsoft reserved partition'],
      ...['-n', '3:0:+96M', '-t', '3:0700', '-c', '3:Basic data partition'],
      ...['-n', '4:0:0', '-t', '4:2700', '-c', '4:Recovery'],
      gpt,
    ]);
    const gptTable = await sfdiskJson(gpt);
    const part = (i: number) => ({ offsetBytes: gptTable.partitions[i]!.start * 512, sizeBytes: gptTable.partitions[i]!.size * 512 });
    await format(gpt, [
      { ...part(0), fileSystem: 'fat32', label: 'SYSTEM' },
      { ...part(2), fileSystem: 'ntfs', label: 'Windows' },
      { ...part(3), fileSystem: 'ntfs', label: 'Recovery tools' },
    ]);
  });

  after(async () => {
    await scratch?.remove();
  });

  it('MBR: primaries, the extended partition and its logical chain as sfdisk reads them, with file systems and labels', async () => {
    const layout = await readDiskLayout(mbr);
    await expectSameAsSfdisk(mbr, layout);
    expect(layout.dynamic).to.be.false;
    expect(layout.partitions.map((p) => [p.number, p.type, p.fileSystem, p.label])).to.deep.equal([
      [1, 'primary', 'fat32', 'SYSTEM'],
      [2, 'primary', 'ntfs', 'Windows'],
      [3, 'extended', undefined, undefined],
      [4, 'logical', 'ntfs', 'Data'],
      [5, 'logical', undefined, undefined],
    ]);
  });

  it('GPT: type GUIDs to efi/msr/primary/recovery, names, file systems and labels as sgdisk and mkfs made them', async () => {
    const layout = await readDiskLayout(gpt);
    await expectSameAsSfdisk(gpt, layout);
    expect(layout.gpt?.primaryValid).to.be.true;
    expect(layout.partitions.map((p) => [p.type, p.fileSystem, p.label])).to.deep.equal([
      ['efi', 'fat32', 'SYSTEM'],
      ['msr', undefined, undefined],
      ['primary', 'ntfs', 'Windows'],
      ['recovery', 'ntfs', 'Recovery tools'],
    ]);
  });

  it('a qcow2 of the same disks reads back identically, through byte ranges only', async () => {
    for (const raw of [mbr, gpt]) {
      const qcow2 = `${raw}.qcow2`;
      await execa('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);
      expect(await readDiskLayout(qcow2)).to.deep.equal(await readDiskLayout(raw));
    }
  });

  it('GPT with a damaged primary header: the backup header is used and says so', async () => {
    const damaged = join(scratch.dir, 'damaged.img');
    await execa('cp', ['--sparse=always', gpt, damaged]);
    const h = await open(damaged, 'r+');
    await h.write(Buffer.from([0xff]), 0, 1, 512 + 40);
    await h.close();
    const layout = await readDiskLayout(damaged);
    expect(layout.gpt?.primaryValid).to.be.false;
    expect(layout.partitions).to.deep.equal((await readDiskLayout(gpt)).partitions);
  });

  it('readDiskImage gives the machine contract\'s DiskFacts, and a blank disk is raw', async () => {
    const facts = await readDiskImage(gpt, { index: 1, model: 'QEMU HARDDISK', controller: 'ahci' });
    expect(facts).to.deep.include({ index: 1, sizeBytes: 256 * MIB, model: 'QEMU HARDDISK', controller: 'ahci', style: 'gpt', dynamic: false });
    expect(facts.partitions[2]).to.deep.equal({ number: 3, type: 'primary', typeId: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7', offsetBytes: 117 * MIB, sizeBytes: 96 * MIB, active: false, fileSystem: 'ntfs', label: 'Windows' });
    const blank = await rawImage(join(scratch.dir, 'blank.img'), 16 * MIB);
    expect(await readDiskImage(blank)).to.deep.include({ style: 'raw', dynamic: false, partitions: [] });
  });
});
