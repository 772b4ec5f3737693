// The guest kernel as judge: the Debian kernel (CONFIG_LDM_PARTITION=y) boots under TCG with a
// tiny initramfs (busybox, virtio_blk and its dependencies) that prints /proc/partitions and
// powers off. The kernel's LDM parser reads only MBR dynamic disks (0x42); on a GPT dynamic disk
// it lists the two GPT partitions (LDM metadata and LDM data), as it does for Windows' own disks.
import { expect } from 'chai';
import { chmod, copyFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { convertDiskToDynamic } from '../convert-disk.js';
import { writeDynamicDisk, type DynamicDiskLayout } from '../dynamic-disk.js';
import { MIB, rawImage, scratchDir, sfdiskJson, toolsUnavailable } from './helpers.js';

/** virtio_blk and what it needs, in load order (modules.dep of the Debian kernel). */
const MODULES = ['virtio_ring', 'virtio', 'virtio_pci_legacy_dev', 'virtio_pci_modern_dev', 'virtio_pci', 'virtio_blk'];

const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec >/dev/ttyS0 2>&1
for m in ${MODULES.join(' ')}; do /bin/busybox insmod /modules/$m.ko; done
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  /bin/busybox grep -q vda /proc/partitions && break
  /bin/busybox sleep 0.5
done
echo OSDLAB-PARTITIONS-BEGIN
/bin/busybox cat /proc/partitions
echo OSDLAB-PARTITIONS-END
/bin/busybox poweroff -f
`;

async function kernelRelease(): Promise<string | undefined> {
  const kernels = (await readdir('/boot').catch(() => [] as string[])).filter((f) => /^vmlinuz-.*-amd64$/.test(f)).sort();
  return kernels.at(-1)?.slice('vmlinuz-'.length);
}

async function modulePaths(release: string): Promise<Map<string, string>> {
  const dir = `/lib/modules/${release}`;
  const dep = await execa('cut', ['-d:', '-f1', join(dir, 'modules.dep')]);
  const paths = new Map<string, string>();
  for (const rel of dep.stdout.split('\n')) {
    const name = rel.replace(/^.*\//, '').replace(/\.ko$/, '');
    if (MODULES.includes(name)) paths.set(name, join(dir, rel));
  }
  return paths;
}

async function buildInitramfs(dir: string, release: string): Promise<string> {
  const root = join(dir, 'root');
  for (const d of ['bin', 'dev', 'proc', 'sys', 'modules']) await mkdir(join(root, d), { recursive: true });
  await copyFile('/bin/busybox', join(root, 'bin/busybox'));
  await symlink('busybox', join(root, 'bin/sh'));
  const modules = await modulePaths(release);
  for (const m of MODULES) {
    const path = modules.get(m);
    if (!path) throw new Error(`module ${m} not found for kernel ${release}`);
    await copyFile(path, join(root, 'modules', `${m}.ko`));
  }
  await writeFile(join(root, 'init'), INIT);
  await chmod(join(root, 'init'), 0o755);
  const initrd = join(dir, 'initrd.cpio');
  await execa('sh', ['-c', `find . | cpio -o -H newc --quiet > ${JSON.stringify(initrd)}`], { cwd: root });
  return initrd;
}

/** /proc/partitions of the guest: name → size in KiB blocks. */
async function guestPartitions(release: string, initrd: string, disk: string): Promise<Map<string, number>> {
  const run = await execa(
    'qemu-system-x86_64',
    ['-accel', 'tcg', '-m', '256', '-nographic', '-no-reboot', '-kernel', `/boot/vmlinuz-${release}`, '-initrd', initrd, '-append', 'console=ttyS0 panic=-1 quiet', '-drive', `file=${disk},format=raw,if=virtio`],
    { timeout: 90_000, reject: false },
  );
  const out = run.stdout.replace(/\r/g, '');
  const begin = out.indexOf('OSDLAB-PARTITIONS-BEGIN');
  const end = out.indexOf('OSDLAB-PARTITIONS-END');
  if (begin < 0 || end < 0) throw new Error(`the guest printed no partitions:\n${out.slice(-3000)}`);
  const table = new Map<string, number>();
  for (const line of out.slice(begin, end).split('\n')) {
    const m = /^\s*\d+\s+\d+\s+(\d+)\s+(vda\d*)\s*$/.exec(line);
    if (m) table.set(m[2]!, Number(m[1]));
  }
  return table;
}

describe('lab/qemu/disk dynamic disks in the guest kernel @slow @qemu', function () {
  this.timeout(240_000);
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let release: string;
  let initrd: string;

  before(async function () {
    const found = await kernelRelease();
    const why = (found ? undefined : 'no Debian amd64 kernel in /boot (run scripts/setup.sh)') ?? (await toolsUnavailable(['qemu-system-x86_64', 'cpio', 'busybox', 'sfdisk', 'mkntfs', 'mkfs.vfat', 'qemu-img']));
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    release = found!;
    scratch = await scratchDir();
    initrd = await buildInitramfs(scratch.dir, release);
  });

  after(async () => {
    await scratch?.remove();
  });

  const volumes = [
    { name: 'System', sizeBytes: 40 * MIB, fileSystem: 'ntfs' as const },
    { sizeBytes: 24 * MIB },
    { sizeBytes: 'remaining' as const },
  ];

  it('MBR: the kernel\'s LDM parser creates one block device per simple volume, with its size', async () => {
    const disk = await rawImage(join(scratch.dir, 'mbr.img'), 128 * MIB);
    const layout: DynamicDiskLayout = await writeDynamicDisk(disk, { style: 'mbr', volumes });
    const parts = await guestPartitions(release, initrd, disk);
    expect(parts.get('vda')).to.equal(128 * 1024);
    expect([...parts.keys()].filter((n) => n !== 'vda')).to.deep.equal(['vda1', 'vda2', 'vda3']);
    expect([1, 2, 3].map((n) => parts.get(`vda${n}`))).to.deep.equal(layout.volumes.map((v) => v.sizeBytes / 1024));
  });

  it('MBR converted in place: the kernel sees each former partition, the logical one included, as an LDM volume', async () => {
    const disk = await rawImage(join(scratch.dir, 'converted.img'), 128 * MIB);
    await execa('sfdisk', ['-q', disk], { input: `label: dos\nstart=2048, size=30MiB, type=7, bootable\nsize=60MiB, type=f\n${disk}5 : size=20MiB, type=7\n${disk}6 : size=12MiB, type=c\n` });
    const before = (await sfdiskJson(disk)).partitions.filter((p) => p.type !== 'f');
    await convertDiskToDynamic(disk);
    const parts = await guestPartitions(release, initrd, disk);
    expect([...parts.keys()].filter((n) => n !== 'vda')).to.deep.equal(['vda1', 'vda2', 'vda3']);
    expect([1, 2, 3].map((n) => parts.get(`vda${n}`))).to.deep.equal(before.map((p) => p.size / 2));
  });

  it('GPT: the kernel lists the LDM metadata and LDM data partitions (its LDM parser reads MBR disks only)', async () => {
    const disk = await rawImage(join(scratch.dir, 'gpt.img'), 128 * MIB);
    const layout = await writeDynamicDisk(disk, { style: 'gpt', volumes });
    const parts = await guestPartitions(release, initrd, disk);
    expect([...parts.keys()].filter((n) => n !== 'vda')).to.deep.equal(['vda1', 'vda2']);
    expect(parts.get('vda1')).to.equal(1024);
    expect(parts.get('vda2')).to.equal((layout.privHead.logicalDiskSectors * 512) / 1024);
  });
});
