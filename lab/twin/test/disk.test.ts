import { expect } from 'chai';
import type { PartitionDiskRequest, PartitionSpec } from '../../../harness/index.js';
import { Disk } from '../disk/disk.js';
import { bootLoaderFiles, diskBootVerdict, WINDOWS_MARKER } from '../disk/boot.js';
import { GIB, GPT_TYPE, MIB } from '../disk/partition-types.js';

const part = (type: PartitionSpec['type'], size: PartitionSpec['size'], more: Partial<PartitionSpec> = {}): PartitionSpec => ({
  type,
  size,
  quickFormat: true,
  bootable: false,
  ...more,
});

const uefiLayout: PartitionDiskRequest = {
  diskIndex: 0,
  style: 'gpt',
  diskType: 'basic',
  partitions: [
    part('efi', { value: 260, unit: 'MB' }, { fileSystem: 'fat32' }),
    part('msr', { value: 16, unit: 'MB' }),
    part('primary', 'remaining', { fileSystem: 'ntfs', label: 'Windows' }),
  ],
};

const biosLayout: PartitionDiskRequest = {
  diskIndex: 0,
  style: 'mbr',
  diskType: 'basic',
  partitions: [part('primary', { value: 350, unit: 'MB' }, { fileSystem: 'ntfs', bootable: true }), part('primary', 'remaining', { fileSystem: 'ntfs' })],
};

/** What Apply Operating System + bcdboot leave behind. */
function installWindows(disk: Disk, firmware: 'bios' | 'uefi', system: number, os: number): void {
  disk.partitions[os - 1]!.volume!.writeFile(WINDOWS_MARKER, 8 * MIB);
  for (const f of bootLoaderFiles(firmware, 'x64')) disk.partitions[system - 1]!.volume!.writeFile(f, 1024);
}

describe('twin disks: partition tables and file systems', () => {
  it('lays out a GPT disk with ESP, MSR and basic data partitions, 1 MiB aligned', () => {
    const disk = new Disk(0, 64 * GIB, 'virtio-blk', 'test');
    expect(disk.partition(uefiLayout)).to.deep.equal({ ok: true });
    const facts = disk.facts();
    expect(facts.style).to.equal('gpt');
    expect(facts.partitions.map((p) => p.typeId)).to.deep.equal([GPT_TYPE.efiSystem, GPT_TYPE.microsoftReserved, GPT_TYPE.basicData]);
    expect(facts.partitions[0]!.offsetBytes).to.equal(MIB);
    expect(facts.partitions[0]!.sizeBytes).to.equal(260 * MIB);
    expect(facts.partitions[2]!.offsetBytes).to.equal(MIB + 276 * MIB);
    expect(facts.partitions[2]!.sizeBytes).to.equal(64 * GIB - 2 * MIB - 276 * MIB);
    expect(facts.partitions.map((p) => p.fileSystem)).to.deep.equal(['fat32', undefined, 'ntfs']);
  });

  it('writes MBR type bytes and the active flag; percentages are of the remaining space', () => {
    const disk = new Disk(0, 50 * GIB, 'ahci', 'test');
    disk.partition({ ...biosLayout, partitions: [part('primary', { value: 50, unit: 'PERCENT' }, { fileSystem: 'fat32', bootable: true }), part('primary', 'remaining')] });
    const [a, b] = disk.facts().partitions;
    expect(a!.typeId).to.equal('0C');
    expect(a!.active).to.equal(true);
    expect(b!.active).to.equal(false);
    expect(b!.fileSystem).to.equal(undefined);
    expect(Math.abs(a!.sizeBytes - b!.sizeBytes)).to.be.at.most(MIB);
  });

  it('refuses layouts osddiskpart refuses', () => {
    const disk = new Disk(0, 100 * GIB, 'ahci', 'test');
    const five = Array.from({ length: 5 }, () => part('primary', { value: 1, unit: 'GB' }));
    expect(disk.partition({ ...biosLayout, partitions: five })).to.deep.include({ ok: false });
    expect(disk.partition({ ...uefiLayout, partitions: [part('extended', 'remaining')] })).to.deep.include({ ok: false });
    expect(disk.partition({ ...biosLayout, partitions: [part('msr', { value: 16, unit: 'MB' })] })).to.deep.include({ ok: false });
    expect(disk.partition({ ...biosLayout, partitions: [part('primary', { value: 200, unit: 'GB' })] })).to.deep.include({ ok: false });
    const fat = disk.partition({ ...biosLayout, partitions: [part('primary', { value: 40, unit: 'GB' }, { fileSystem: 'fat32' })] });
    expect(fat.ok === false && fat.message).to.contain('FAT32');
    expect(disk.style).to.equal('raw');
  });

  it('converts to dynamic (type 42, simple volumes) keeping data', () => {
    const disk = new Disk(0, 64 * GIB, 'ahci', 'test');
    disk.partition(biosLayout);
    disk.partitions[1]!.volume!.writeFile('\\data\\a.bin', 1000);
    disk.convertToDynamic();
    expect(disk.facts().dynamic).to.equal(true);
    expect(disk.facts().partitions.every((p) => p.typeId === '42')).to.equal(true);
    expect(disk.partitions[1]!.volume!.info('\\DATA\\A.BIN')).to.deep.equal({ exists: true, directory: false, sizeBytes: 1000 });
  });

  it('tracks used space, refuses writes beyond capacity and 4 GiB files on FAT32', () => {
    const disk = new Disk(0, 64 * GIB, 'ahci', 'test');
    disk.partition(uefiLayout);
    const esp = disk.partitions[0]!.volume!;
    const before = esp.freeBytes;
    expect(esp.writeFile('\\efi\\boot\\bootx64.efi', 1000)).to.deep.equal({ ok: true });
    expect(esp.freeBytes).to.equal(before - 1000);
    expect(esp.writeFile('\\big', 300 * MIB)).to.deep.equal({ ok: false, reason: 'diskFull' });
    const win = disk.partitions[2]!.volume!;
    expect(win.writeFile('\\x.wim', 5 * GIB)).to.deep.equal({ ok: true });
    const fat = new Disk(1, 64 * GIB, 'ahci', 'test');
    fat.partition({ ...biosLayout, diskIndex: 1, partitions: [part('primary', { value: 30, unit: 'GB' }, { fileSystem: 'fat32' })] });
    expect(fat.partitions[0]!.volume!.writeFile('\\x.wim', 5 * GIB)).to.deep.equal({ ok: false, reason: 'fileTooLarge' });
  });
});

describe('twin boot verdicts', () => {
  it('UEFI boots a GPT disk with a FAT32 ESP holding the loader and Windows on a volume', () => {
    const disk = new Disk(0, 64 * GIB, 'nvme', 'test');
    disk.partition(uefiLayout);
    installWindows(disk, 'uefi', 1, 3);
    const v = diskBootVerdict(disk, 'uefi', 'x64');
    expect(v.boots).to.equal(true);
  });

  it('UEFI without a FAT32 ESP with a boot loader does not boot', () => {
    const noEsp = new Disk(0, 64 * GIB, 'nvme', 'test');
    noEsp.partition(biosLayout);
    installWindows(noEsp, 'bios', 1, 2);
    expect(diskBootVerdict(noEsp, 'uefi', 'x64')).to.deep.include({ boots: false });

    const ntfsEsp = new Disk(0, 64 * GIB, 'nvme', 'test');
    ntfsEsp.partition({ ...uefiLayout, partitions: [part('efi', { value: 260, unit: 'MB' }, { fileSystem: 'ntfs' }), uefiLayout.partitions[2]!] });
    installWindows(ntfsEsp, 'uefi', 1, 2);
    const v = diskBootVerdict(ntfsEsp, 'uefi', 'x64');
    expect(v.boots === false && v.reason).to.contain('FAT32');

    const empty = new Disk(0, 64 * GIB, 'nvme', 'test');
    empty.partition(uefiLayout);
    empty.partitions[2]!.volume!.writeFile(WINDOWS_MARKER, 1);
    const e = diskBootVerdict(empty, 'uefi', 'x64');
    expect(e.boots === false && e.console).to.include('BdsDxe: No bootable option or device was found.');
  });

  it('BIOS on a GPT disk needs a BIOS boot setup', () => {
    const disk = new Disk(0, 64 * GIB, 'ahci', 'test');
    disk.partition(uefiLayout);
    installWindows(disk, 'uefi', 1, 3);
    expect(diskBootVerdict(disk, 'bios', 'x64')).to.deep.include({ boots: false });
    disk.biosBootCode = true;
    expect(diskBootVerdict(disk, 'bios', 'x64').boots).to.equal(true);
  });

  it('BIOS on an MBR disk needs an active partition with the boot manager', () => {
    const disk = new Disk(0, 64 * GIB, 'ahci', 'test');
    disk.partition({ ...biosLayout, partitions: biosLayout.partitions.map((p) => ({ ...p, bootable: false })) });
    installWindows(disk, 'bios', 1, 2);
    const v = diskBootVerdict(disk, 'bios', 'x64');
    expect(v.boots === false && v.reason).to.contain('without an active partition');
    disk.partitions[0]!.active = true;
    expect(diskBootVerdict(disk, 'bios', 'x64').boots).to.equal(true);
  });
});
