import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildFullOsPayload, FULL_OS_FILES, fullOsAppend, loaderConfig } from './build.js';

describe('images/full-os: the full-OS stand-in payload', () => {
  it('switches the boot image\'s kernel command line to the full OS', () => {
    expect(fullOsAppend('console=ttyS0 panic=-1 osdlab.environment=WinPE')).to.equal('console=ttyS0 panic=-1 osdlab.environment=FullOS');
    expect(fullOsAppend('console=ttyS0')).to.equal('console=ttyS0 osdlab.environment=FullOS');
  });

  it('the loader finds the OS volume by its kernel and says so, or says why not', () => {
    const cfg = loaderConfig('console=ttyS0 osdlab.environment=FullOS');
    expect(cfg).to.include(`search --no-floppy --file --set=root /${FULL_OS_FILES.kernel}`);
    expect(cfg).to.include(`linux /${FULL_OS_FILES.kernel} console=ttyS0 osdlab.environment=FullOS`);
    expect(cfg).to.include('no volume holds the operating system');
  });

  it('builds the BIOS and UEFI loaders with GRUB and caches the payload', async function () {
    if ((await execa('grub-mkimage', ['--version'], { reject: false })).exitCode !== 0) {
      console.log('    (skipped: grub-mkimage is not installed; apt-get install grub-pc-bin grub-efi-amd64-bin grub-efi-ia32-bin)');
      return this.skip();
    }
    const dir = await mkdtemp(join(tmpdir(), 'osdlab-full-os-'));
    try {
      await writeFile(join(dir, 'vmlinuz'), 'kernel');
      await writeFile(join(dir, 'initrd.img'), 'initrd');
      const bootImage = { architecture: 'x64' as const, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), append: 'console=ttyS0 osdlab.environment=WinPE', hash: 'test', cached: false, modules: [] };
      const built = await buildFullOsPayload({ bootImage, cacheDir: join(dir, 'cache') });
      expect(built.cached).to.equal(false);
      expect(await readFile(join(built.overlayDir, FULL_OS_FILES.kernel), 'utf8')).to.equal('kernel');
      const efi = await readFile(join(built.overlayDir, FULL_OS_FILES.efiLoader));
      expect(efi.subarray(0, 2).toString()).to.equal('MZ');
      expect(efi.includes(Buffer.from('osdlab loader: starting the operating system'))).to.equal(true);
      // The core image must fit the gap between the MBR and the first partition (1 MiB).
      expect((await stat(join(built.overlayDir, FULL_OS_FILES.biosCoreImage))).size).to.be.below(2 ** 20 - 512);
      expect((await readFile(join(built.overlayDir, FULL_OS_FILES.biosBootCode))).readUInt16LE(510)).to.equal(0xaa55);
      expect((await buildFullOsPayload({ bootImage, cacheDir: join(dir, 'cache') })).cached).to.equal(true);
      expect(efi.readUInt16LE(efi.readUInt32LE(0x3c) + 4), 'PE machine: x86-64').to.equal(0x8664);

      // An x86 OS carries the 32-bit UEFI loader instead (a 32-bit OS starts only from 32-bit UEFI).
      const x86 = await buildFullOsPayload({ bootImage: { ...bootImage, architecture: 'x86', hash: 'test-x86' }, cacheDir: join(dir, 'cache') });
      expect(x86.overlayDir).not.to.equal(built.overlayDir);
      const ia32 = await readFile(join(x86.overlayDir, FULL_OS_FILES.efiLoaderIa32));
      expect(ia32.readUInt16LE(ia32.readUInt32LE(0x3c) + 4), 'PE machine: i386').to.equal(0x14c);
      expect(await stat(join(x86.overlayDir, FULL_OS_FILES.efiLoader)).catch(() => undefined)).to.equal(undefined);
      expect(await stat(join(built.overlayDir, FULL_OS_FILES.efiLoaderIa32)).catch(() => undefined)).to.equal(undefined);
      expect((await stat(join(x86.overlayDir, FULL_OS_FILES.biosCoreImage))).size).to.be.above(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
