// Task-sequence media: GRUB configuration, the image's layout, the cache, and real boots under TCG.
import { expect } from 'chai';
import { pbkdf2Sync } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { BootImage } from '../../../../images/index.js';
import { withLabRun } from '../../lab-run.js';
import { launchMachine } from '../../machine-process.js';
import { timeoutScale, type MediaSpec } from '../../machine-command.js';
import { directBootSpec, qemuUnavailable, testBootImage } from '../../test/helpers.js';
import { buildContentDisk, buildMedia, grubPasswordHash, mediaGrubConfig, mountByLabelCommand, MEDIA_LABEL, MEDIA_PASSWORD_PROMPT, MEDIA_SETTINGS_FILE, ARCHITECTURE_MISMATCH } from '../index.js';

const HELLO_MS = 12_000 * timeoutScale('tcg');
const STEP_MS = 30_000;

async function isoFiles(iso: string): Promise<string[]> {
  const { stdout } = await execa('xorriso', ['-indev', iso, '-find', '/', '-type', 'f']);
  return stdout.split('\n').map((l) => l.replace(/^'|'$/g, ''));
}

async function isoFile(iso: string, path: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'osdlab-iso-extract-'));
  try {
    await execa('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', path, join(dir, 'file')]);
    return await readFile(join(dir, 'file'), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('lab/qemu/media', function () {
  this.timeout(60_000);

  describe('GRUB configuration', () => {
    it('boots the boot image at once on the serial console, linux16 on BIOS and linux on UEFI', () => {
      const cfg = mediaGrubConfig({ append: 'console=ttyS0 osdlab.media=X' });
      expect(cfg).to.include('set timeout=0').and.include('terminal_input serial console');
      expect(cfg).to.include('linux16 /boot/vmlinuz console=ttyS0 osdlab.media=X').and.include('    linux /boot/vmlinuz console=ttyS0 osdlab.media=X');
      expect(cfg).not.to.include('superusers');
    });

    it('guards password-protected media with a PBKDF2 hash GRUB checks, never the password itself', () => {
      const salt = Buffer.alloc(64, 7);
      const cfg = mediaGrubConfig({ append: '', password: { text: 'P@ss w0rd', salt } });
      expect(cfg).to.include('set superusers="osdlab"').and.not.include('P@ss');
      const hash = grubPasswordHash('P@ss w0rd', salt);
      expect(cfg).to.include(`password_pbkdf2 osdlab ${hash}`);
      const [, , , rounds, saltHex, digest] = hash.split('.');
      expect(Buffer.from(saltHex, 'hex')).to.deep.equal(salt);
      expect(digest).to.equal(pbkdf2Sync('P@ss w0rd', salt, Number(rounds), 64, 'sha512').toString('hex').toUpperCase());
      expect(grubPasswordHash('other', salt)).not.to.equal(hash);
    });
  });

  describe('building', () => {
    let dir: string;
    let kernel: string;
    let initrd: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'osdlab-media-test-'));
      kernel = join(dir, 'vmlinuz');
      initrd = join(dir, 'initrd.img');
      await writeFile(kernel, 'kernel bytes');
      await writeFile(initrd, 'initrd bytes');
      await writeFile(join(dir, 'install.wim'), 'MSWIM stand-in');
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('lays out stand-alone media: boot image, GRUB for BIOS and UEFI, media settings, content in SMS/PKG', async () => {
      const media = await buildMedia({
        kind: 'standalone',
        name: 'Stand-alone USB',
        deployment: 'Offline Windows 11',
        bootImage: { kernel, initrd, append: 'console=ttyS0' },
        variables: { OSDComputerName: 'PC-1' },
        packages: [{ id: 'LAB00003', files: { 'install.wim': join(dir, 'install.wim') } }],
        cacheDir: join(dir, 'cache'),
      });
      expect(media.cached).to.equal(false);
      const files = await isoFiles(media.path);
      expect(files).to.include.members(['/boot/vmlinuz', '/boot/initrd.img', '/boot/grub/grub.cfg', '/efi.img', `/${MEDIA_SETTINGS_FILE}`, '/SMS/PKG/LAB00003/install.wim']);
      expect(files.some((f) => f.startsWith('/boot/grub/i386-pc/'))).to.equal(true);
      expect(JSON.parse(await isoFile(media.path, `/${MEDIA_SETTINGS_FILE}`))).to.deep.equal({
        mediaType: 'FullMedia',
        name: 'Stand-alone USB',
        deployment: 'Offline Windows 11',
        variables: { OSDComputerName: 'PC-1' },
        passwordProtected: false,
        packages: ['LAB00003'],
      });
      expect(await isoFile(media.path, '/boot/grub/grub.cfg')).to.include(`osdlab.media=${MEDIA_LABEL}`);
      // Hybrid image: a partition table for USB boot, with the El Torito EFI image as the ESP.
      const { stdout } = await execa('sfdisk', ['--json', media.path]);
      const table = (JSON.parse(stdout) as { partitiontable: { partitions: { type: string }[] } }).partitiontable;
      expect(table.partitions.map((p) => p.type)).to.include('C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
    });

    it('reuses media built from the same inputs and rebuilds when content changes', async () => {
      const options = { kind: 'boot' as const, name: 'Boot', bootImage: { kernel, initrd, append: '' }, cacheDir: join(dir, 'cache') };
      const first = await buildMedia(options);
      const again = await buildMedia(options);
      expect(again).to.deep.equal({ ...first, cached: true });
      expect((await buildMedia({ ...options, password: 'x' })).hash).not.to.equal(first.hash);
      await writeFile(initrd, 'other initrd bytes');
      expect((await buildMedia(options)).hash).not.to.equal(first.hash);
    });

    it('builds a content disk holding a folder per PackageID', async () => {
      const disk = await buildContentDisk({ packages: [{ id: 'LAB00003', files: { 'install.wim': join(dir, 'install.wim') } }], cacheDir: join(dir, 'cache') });
      expect(await isoFiles(disk.path)).to.deep.equal(['/LAB00003/install.wim']);
      expect(await isoFile(disk.path, '/LAB00003/install.wim')).to.equal('MSWIM stand-in');
    });
  });

  describe('booting real machines @qemu @slow', function () {
    this.timeout(240_000);
    let image: BootImage;
    let content: string;

    before(async function () {
      const why = await qemuUnavailable();
      if (why) {
        console.log(`    (skipped: ${why})`);
        return this.skip();
      }
      image = await testBootImage(['ahci', 'usb-storage']);
      content = await mkdtemp(join(tmpdir(), 'osdlab-media-boot-'));
      await writeFile(join(content, 'install.wim'), 'content from the media\n');
    });
    after(() => content && rm(content, { recursive: true, force: true }));

    async function boot(runId: string, firmware: 'bios' | 'uefi' | 'bios-x86', media: (run: { tempDir: string }) => Promise<MediaSpec>, check: (m: Awaited<ReturnType<typeof launchMachine>>, signal: AbortSignal) => Promise<void>) {
      await withLabRun(runId, async (run) => {
        const spec = directBootSpec(image, { firmware: firmware === 'uefi' ? 'uefi' : 'bios', architecture: firmware === 'bios-x86' ? 'x86' : 'x64', media: [await media(run)] });
        delete spec.directKernel;
        const machine = await launchMachine({ spec, accel: 'tcg', outputDir: join(run.tempDir, 'out'), stateDir: join(run.tempDir, 'pc1'), cleanup: run.cleanup, signal: run.signal });
        await check(machine, run.signal);
      }, { handleSignals: false });
    }

    it('BIOS, stand-alone media as a CD: GRUB starts the boot image, the agent says hello and mounts the media by label', async () => {
      const media = await buildMedia({ kind: 'standalone', name: 'SA', bootImage: image, variables: { A: '1' }, packages: [{ id: 'LAB00003', files: { 'install.wim': join(content, 'install.wim') } }] });
      await boot(`media-cd-${process.pid}`, 'bios', async () => ({ kind: 'cd', path: media.path, bootIndex: 0 }), async (machine, signal) => {
        const agent = await machine.agent({ helloTimeoutMs: HELLO_MS, signal });
        expect(agent.helloFacts).to.include({ firmware: 'bios', environment: 'WinPE' });
        const r = await agent.run(`${mountByLabelCommand(MEDIA_LABEL, '/media')} && cat /media/SMS/PKG/LAB00003/install.wim /media/${MEDIA_SETTINGS_FILE} && grep -o 'osdlab.media=[A-Z_]*' /proc/cmdline`, { timeoutMs: STEP_MS, signal });
        expect(r.exitCode, r.output.join('\n')).to.equal(0);
        expect(r.output[0]).to.equal('content from the media');
        expect(r.output.join('\n')).to.include('"mediaType": "FullMedia"').and.include(`osdlab.media=${MEDIA_LABEL}`);
        agent.close();
      });
    });

    it('UEFI, boot media as a USB stick: OVMF starts BOOTX64.EFI from the hybrid image, the agent says hello and finds the stick', async () => {
      const media = await buildMedia({ kind: 'boot', name: 'Boot', bootImage: image });
      await boot(`media-usb-${process.pid}`, 'uefi', async (run) => {
        const stick = join(run.tempDir, 'usb.img');
        await copyFile(media.path, stick);
        return { kind: 'usb', path: stick, bootIndex: 0 };
      }, async (machine, signal) => {
        const agent = await machine.agent({ helloTimeoutMs: HELLO_MS, signal });
        expect(agent.helloFacts).to.include({ firmware: 'uefi', firmwarePlatformSize: 64 });
        const r = await agent.run(`${mountByLabelCommand(MEDIA_LABEL, '/media')} && cat /media/${MEDIA_SETTINGS_FILE}`, { timeoutMs: STEP_MS, signal });
        expect(r.exitCode, r.output.join('\n')).to.equal(0);
        expect(r.output.join('\n')).to.include('"mediaType": "BootMedia"');
        agent.close();
      });
    });

    it('BIOS, password-protected media on an unattended machine: stalls at the prompt and never starts the boot image', async () => {
      const media = await buildMedia({ kind: 'boot', name: 'Locked', bootImage: image, password: 'secret' });
      await boot(`media-pw-${process.pid}`, 'bios', async () => ({ kind: 'cd', path: media.path, bootIndex: 0 }), async (machine, signal) => {
        const text = await machine.waitForConsole(MEDIA_PASSWORD_PROMPT, { timeoutMs: HELLO_MS, signal });
        expect(text).not.to.include('osdlab boot image');
      });
    });

    it('BIOS, x64 boot media on a 32-bit machine: the boot starts, then the kernel refuses the processor', async () => {
      const media = await buildMedia({ kind: 'boot', name: 'Boot', bootImage: image });
      await boot(`media-x86-${process.pid}`, 'bios-x86', async () => ({ kind: 'cd', path: media.path, bootIndex: 0 }), async (machine, signal) => {
        const text = await machine.waitForConsole(ARCHITECTURE_MISMATCH, { timeoutMs: HELLO_MS, signal });
        expect(text).to.include('Booting from DVD/CD').and.include('This kernel requires an x86-64 CPU');
      });
    });
  });
});
