// The DP's PXE boot files per client architecture: each SMSBoot\<arch>\ loader loads the boot image
// the responder offers that architecture (an x86 client its x86 boot image, an x64 client its x64 one).
import { expect } from 'chai';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildPxeBootFiles } from '../pxe-boot-files.js';

describe('lab/qemu/backend: PXE boot files per architecture', function () {
  this.timeout(60_000);
  let dir = '';

  before(async function () {
    const missing = (await execa('grub-mkimage', ['--version'], { reject: false })).exitCode !== 0 ? 'grub-mkimage is not installed' : undefined;
    if (missing) {
      console.log(`    (skipped: ${missing}; run scripts/setup.sh)`);
      return this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'osdlab-pxe-files-'));
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('x86 and x64 loaders name their own boot image, and both boot images are on the TFTP root', async () => {
    const image = async (arch: string) => {
      await writeFile(join(dir, `vmlinuz-${arch}`), `kernel ${arch}`);
      await writeFile(join(dir, `initrd-${arch}`), `initrd ${arch}`);
      return { kernel: join(dir, `vmlinuz-${arch}`), initrd: join(dir, `initrd-${arch}`), append: `console=ttyS0 arch=${arch}` };
    };
    const root = join(dir, 'RemoteInstall');
    const { bootFiles } = await buildPxeBootFiles({ root, dpAddress: '198.18.62.10', bootImages: { x86: { id: 'LAB00001', ...(await image('x86')) }, x64: { id: 'LAB00002', ...(await image('x64')) } } });
    const file = (name: string) => readFile(join(root, ...name.split('\\')));
    const efi = [['SMSBoot\\x86\\bootmgfw.efi', 'LAB00001', 'LAB00002'], ['SMSBoot\\x64\\bootmgfw.efi', 'LAB00002', 'LAB00001']] as const;
    for (const [name, own, other] of efi) {
      if (!bootFiles.includes(name)) continue;
      const text = (await file(name)).toString('latin1');
      expect(text, name).to.include(`SMSImages/${own}/vmlinuz`).and.not.include(`SMSImages/${other}/`);
    }
    // The BIOS loader is one GRUB platform for both folders (compressed, so compared as a whole).
    if (bootFiles.includes('SMSBoot\\x86\\pxeboot.n12')) expect((await file('SMSBoot\\x86\\pxeboot.n12')).equals(await file('SMSBoot\\x64\\pxeboot.n12'))).to.equal(false);
    expect(bootFiles.filter((f) => f.endsWith('bootmgfw.efi') || f.endsWith('pxeboot.n12'))).to.not.be.empty;
    for (const arch of ['x86', 'x64']) {
      const id = arch === 'x86' ? 'LAB00001' : 'LAB00002';
      expect((await file(`SMSImages\\${id}\\vmlinuz`)).toString()).to.equal(`kernel ${arch}`);
      await access(join(root, 'SMSImages', id, 'initrd.img'));
    }
  });

  it('an architecture with no boot image on the DP gets a loader that says so', async () => {
    const root = join(dir, 'only-x64');
    const { bootFiles } = await buildPxeBootFiles({ root, dpAddress: '198.18.62.10', bootImages: {} });
    const x86 = bootFiles.find((f) => f === 'SMSBoot\\x86\\bootmgfw.efi');
    if (x86) expect((await readFile(join(root, ...x86.split('\\')))).toString('latin1')).to.include('no x86 boot image on this distribution point');
    expect(bootFiles).to.not.be.empty;
  });
});
