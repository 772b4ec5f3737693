// The full-OS stand-in of an x86 OS boots from the disk of a 32-bit machine: GRUB i386-pc from the
// MBR (BIOS) and GRUB i386-efi from \EFI\Boot\bootia32.efi (ia32 UEFI), each finding the kernel on
// the volume by file. The disks are written on the host, as Setup Windows would have left them.
import { expect } from 'chai';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Firmware } from '../../harness/index.js';
import { AGENT_SCRIPT, launchMachine, timeoutScale, withLabRun } from '../../lab/index.js';
import { buildBootImage } from '../boot-image/build.js';
import { imageRoot } from '../boot-image/image-root.js';
import { buildFullOsPayload, FULL_OS_FILES, type FullOsPayload } from './build.js';

const MIB = 2 ** 20;
const DISK_MIB = 64;

/** A FAT volume holding `files` (path inside the volume → host file), written into `disk` at 1 MiB. */
async function writeVolume(disk: string, scratch: string, files: Record<string, string>): Promise<void> {
  const volume = join(scratch, 'volume.img');
  await execa('truncate', ['-s', `${DISK_MIB - 2}M`, volume]);
  await execa('mkfs.vfat', ['-n', 'SYSTEM', volume]);
  for (const [path, source] of Object.entries(files)) {
    const dirs = path.split('/').slice(0, -1);
    for (let i = 1; i <= dirs.length; i++) await execa('mmd', ['-D', 's', '-i', volume, `::/${dirs.slice(0, i).join('/')}`], { reject: false });
    await execa('mcopy', ['-i', volume, source, `::/${path}`]);
  }
  await execa('dd', [`if=${volume}`, `of=${disk}`, 'bs=1M', 'seek=1', 'conv=notrunc', 'status=none']);
}

async function writeDisk(firmware: Firmware, dir: string, payload: FullOsPayload): Promise<string> {
  const disk = join(dir, 'disk0.raw');
  await execa('truncate', ['-s', `${DISK_MIB}M`, disk]);
  const os = {
    [FULL_OS_FILES.kernel]: join(payload.overlayDir, FULL_OS_FILES.kernel),
    [FULL_OS_FILES.initrd]: join(payload.overlayDir, FULL_OS_FILES.initrd),
  };
  if (firmware === 'bios') {
    await execa('sfdisk', ['-q', disk], { input: `label: dos\nstart=2048, size=${((DISK_MIB - 2) * MIB) / 512}, type=6, bootable\n` });
    await writeVolume(disk, dir, os);
    const at = (f: string) => join(payload.overlayDir, f);
    await execa('dd', [`if=${at(FULL_OS_FILES.biosBootCode)}`, `of=${disk}`, 'bs=440', 'count=1', 'conv=notrunc', 'status=none']);
    await execa('dd', [`if=${at(FULL_OS_FILES.biosCoreImage)}`, `of=${disk}`, 'bs=512', 'seek=1', 'conv=notrunc', 'status=none']);
  } else {
    await execa('sgdisk', ['-n', `1:2048:+${DISK_MIB - 2}M`, '-t', '1:EF00', disk]);
    await writeVolume(disk, dir, { ...os, 'EFI/Boot/bootia32.efi': join(payload.overlayDir, FULL_OS_FILES.efiLoaderIa32) });
  }
  return disk;
}

describe('images/full-os on x86 machines @slow @qemu', function () {
  this.timeout(300_000);
  let payload: FullOsPayload;

  before(async function () {
    const missing = await imageRoot('x86').then(() => undefined, (err: unknown) => (err as Error).message);
    const tools = await Promise.all(['grub-mkimage', 'mcopy', 'sgdisk', 'qemu-system-i386'].map((t) => execa('which', [t], { reject: false })));
    const why = missing ?? (tools.some((t) => t.exitCode !== 0) ? 'grub-mkimage, mtools, gdisk or qemu-system-i386 missing' : undefined);
    if (why) {
      console.log(`    (skipped: ${why}; run scripts/setup.sh)`);
      return this.skip();
    }
    const bootImage = await buildBootImage({ architecture: 'x86', drivers: ['ahci'], agentScript: AGENT_SCRIPT });
    payload = await buildFullOsPayload({ bootImage });
  });

  for (const firmware of ['bios', 'uefi'] as Firmware[]) {
    it(`${firmware === 'bios' ? 'BIOS: GRUB i386-pc in the MBR' : 'ia32 UEFI: GRUB i386-efi as \\EFI\\Boot\\bootia32.efi'} starts the x86 full OS from the disk`, async () => {
      await withLabRun(`fullos-x86-${firmware}-${process.pid}`, async (run) => {
        const dir = join(run.tempDir, 'disk');
        await mkdir(dir, { recursive: true });
        const disk = await writeDisk(firmware, dir, payload);
        const machine = await launchMachine({
          spec: { name: 'pc1', firmware, architecture: 'x86', memoryMB: 512, cpus: 1, nics: [], media: [], disks: [{ controller: 'ahci', path: disk, format: 'raw', bootIndex: 1 }] },
          accel: 'tcg',
          outputDir: join(run.tempDir, 'out'),
          stateDir: join(run.tempDir, 'pc1'),
          cleanup: run.cleanup,
          signal: run.signal,
        });
        const agent = await machine.agent({ helloTimeoutMs: 20_000 * timeoutScale('tcg'), signal: run.signal });
        expect(agent.helloFacts).to.include({ firmware, environment: 'FullOS' });
        expect(agent.helloFacts.architecture).to.match(/^i[3-6]86$/);
        await machine.waitForConsole(/osdlab loader: starting the operating system/, { timeoutMs: 1000, signal: run.signal });
        await agent.poweroff({ timeoutMs: 30_000, signal: run.signal });
      });
    });
  }
});
