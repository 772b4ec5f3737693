// Existing machines' disks built on the host (issue 6 item 3), read back with the lab's own disk
// reader and ntfs-3g's and mtools' tools: the layout, the installed Windows with its user profiles
// and client cache, the boot loader for the firmware, and the cache by content hash.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { PartitionSpec } from '../../../../harness/index.js';
import { readDiskImage } from '../../disk/index.js';
import { toolsUnavailable } from '../../disk/test/helpers.js';
import { extractBytes, extractPartition, labImages } from '../../machine/test/fixtures.js';
import { buildExistingDisk, diskOverlay, generatedProfiles, profileFileBytes, type ExistingDiskSpec, type InstalledWindowsSpec } from '../existing-disk.js';

const MIB = 1024 * 1024;
const part = (type: PartitionSpec['type'], size: PartitionSpec['size'], fileSystem?: 'ntfs' | 'fat32', label?: string, bootable = false): PartitionSpec => ({
  type,
  size,
  ...(fileSystem ? { fileSystem } : {}),
  ...(label ? { label } : {}),
  quickFormat: true,
  bootable,
});
const md5 = (b: Uint8Array | string) => createHash('md5').update(b).digest('hex');

describe('lab/qemu/backend: existing machines\' disks', function () {
  this.timeout(300_000);
  let dir = '';
  let wimPath = '';
  let clientFile = '';

  before(async function () {
    const why = await toolsUnavailable(['sfdisk', 'sgdisk', 'mkntfs', 'mkfs.vfat', 'wimlib-imagex', 'ntfscat', 'mcopy', 'qemu-img', 'grub-mkimage']);
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'osdlab-existing-disk-test-'));
    wimPath = (await labImages()).osImage.wimPath;
    clientFile = join(dir, 'ccmsetup.exe');
    await writeFile(clientFile, 'client package bytes\n');
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const windows = (over: Partial<InstalledWindowsSpec> = {}): InstalledWindowsSpec => ({
    wimPath,
    imageIndex: 1,
    partition: 3,
    caption: 'Microsoft Windows 10 Enterprise',
    version: '10.0.19045',
    architecture: 'x64',
    configMgrClient: true,
    profiles: generatedProfiles(2, 3 * MIB),
    clientCache: [{ id: 'LAB00005', files: { 'ccmsetup.exe': clientFile } }],
    ...over,
  });

  it('UEFI + GPT: ESP with the loader, MSR, Windows with profiles and the client cache; a second build comes from the cache', async () => {
    const spec: ExistingDiskSpec = {
      sizeBytes: 256 * MIB,
      firmware: 'uefi',
      layout: { style: 'gpt', diskType: 'basic', partitions: [part('efi', { value: 100, unit: 'MB' }, 'fat32', 'System'), part('msr', { value: 16, unit: 'MB' }), part('primary', 'remaining', 'ntfs', 'Windows')] },
      windows: windows(),
    };
    const cacheDir = join(dir, 'cache');
    const first = await buildExistingDisk(spec, { cacheDir });
    if (!first.ok) throw new Error(first.message);
    expect(first.disk.cached).to.equal(false);
    expect(first.disk.notes.join('\n')).to.match(/2 user profile\(s\)/).and.match(/bootx64\.efi on partition 1/);
    const again = await buildExistingDisk(spec, { cacheDir });
    expect(again.ok && again.disk.cached && again.disk.path).to.equal(first.disk.path);

    const disk = join(dir, 'pc.qcow2');
    await diskOverlay(first.disk, disk);
    const layout = await readDiskImage(disk);
    expect(layout.style).to.equal('gpt');
    expect(layout.sizeBytes).to.equal(256 * MIB);
    expect(layout.partitions.map((p) => [p.type, p.fileSystem, p.label])).to.deep.equal([['efi', 'fat32', 'SYSTEM'], ['msr', undefined, undefined], ['primary', 'ntfs', 'Windows']]);

    const esp = await extractPartition(disk, layout.partitions[0]!, join(dir, 'esp.fat'));
    expect((await execa('mdir', ['-b', '-i', esp, '::/EFI/Boot'])).stdout).to.match(/bootx64\.efi/i);
    const volume = await extractPartition(disk, layout.partitions[2]!, join(dir, 'windows.ntfs'));
    const cat = async (path: string) => (await execa('ntfscat', [volume, path], { encoding: 'buffer' })).stdout as Uint8Array;
    expect((await execa('ntfsls', [volume, '-p', '/Users'])).stdout.split('\n')).to.include.members(['user1', 'user2', 'Default', 'Public']);
    const state = spec.windows!.profiles[1]!.files[1]!;
    expect(md5(await cat(`/Users/user2/${state.path}`))).to.equal(md5(profileFileBytes(`user2/${state.path}`, state.bytes)));
    expect(Buffer.from(await cat('/Windows/ccmcache/LAB00005/ccmsetup.exe')).toString()).to.equal('client package bytes');
    expect(JSON.parse(Buffer.from(await cat('/Windows/System32/osdlab-os.json')).toString())).to.include({ caption: 'Microsoft Windows 10 Enterprise', version: '10.0.19045' });
    expect(Buffer.from(await cat('/Windows/CCM/osdlab-client-installed.txt')).toString()).to.match(/installed before the run/);
    expect((await cat('/Windows/Boot/osdlab/vmlinuz')).length).to.be.greaterThan(MIB);
  });

  it('BIOS + MBR: GRUB\'s code in the MBR and the Windows volume active; refused layouts say why', async () => {
    const spec: ExistingDiskSpec = {
      sizeBytes: 192 * MIB,
      firmware: 'bios',
      layout: { style: 'mbr', diskType: 'basic', partitions: [part('primary', 'remaining', 'ntfs', 'Windows')] },
      windows: windows({ partition: 1, profiles: [], clientCache: [], caption: undefined, version: undefined }),
    };
    const built = await buildExistingDisk(spec, { cacheDir: join(dir, 'cache') });
    if (!built.ok) throw new Error(built.message);
    expect(built.disk.notes.join('\n')).to.match(/MBR boot code written; active partition 1/);
    const layout = await readDiskImage(built.disk.path);
    expect(layout.partitions.map((p) => [p.type, p.fileSystem, p.active])).to.deep.equal([['primary', 'ntfs', true]]);
    const mbr = await extractBytes(built.disk.path, 0, 1, join(dir, 'mbr.raw'));
    const { stdout } = await execa('sh', ['-c', `head -c 440 ${mbr} | md5sum`]);
    expect(stdout.split(' ')[0]).to.not.equal(md5(Buffer.alloc(440)));

    const fat = await buildExistingDisk({ ...spec, layout: { ...spec.layout, partitions: [part('primary', 'remaining', 'fat32', 'Windows')] } }, { cacheDir: join(dir, 'cache') });
    expect(fat).to.deep.equal({ ok: false, message: 'partition 1 holds the installed Windows and must be NTFS' });
    const tooBig = await buildExistingDisk({ ...spec, layout: { ...spec.layout, partitions: [part('primary', { value: 1, unit: 'GB' }, 'ntfs')] } }, { cacheDir: join(dir, 'cache') });
    expect(tooBig.ok === false && tooBig.message).to.match(/the partitions need 1024 MB/);
  });
});
