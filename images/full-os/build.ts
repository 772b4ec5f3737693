// The full-OS stand-in (issue 5 item 6): what the OS image carries so a machine boots from its own
// disk into the "full OS". Laid over every index of the OS WIM (buildOsImage's overlayDir):
//   Windows/Boot/osdlab/vmlinuz, initrd.img  the boot image's kernel + initramfs; GRUB starts them
//                                            with osdlab.environment=FullOS, so the agent reports FullOS
//   Windows/Boot/EFI/bootx64.efi             GRUB x86_64-efi with an embedded config (UEFI loader, x64 OS)
//   Windows/Boot/EFI/bootia32.efi            GRUB i386-efi instead, for an x86 OS (a 32-bit OS starts
//                                            only from 32-bit UEFI, as 32-bit Windows does)
//   Windows/Boot/PCAT/boot.img, core.img     GRUB i386-pc MBR code and core image (BIOS loader)
// Setup Windows copies the loader for the firmware from the applied Windows\Boot, as bcdboot does.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { EnvironmentError } from '../../scenarios/index.js';
import type { BootImage } from '../boot-image/build.js';

/** Bump when the payload's layout or loader config changes. */
const FORMAT_VERSION = 2;
const DEFAULT_CACHE_DIR = '.cache/full-os';

/** Paths inside the OS volume (forward slashes, as GRUB and the WIM overlay use them). */
export const FULL_OS_FILES = {
  kernel: 'Windows/Boot/osdlab/vmlinuz',
  initrd: 'Windows/Boot/osdlab/initrd.img',
  efiLoader: 'Windows/Boot/EFI/bootx64.efi',
  efiLoaderIa32: 'Windows/Boot/EFI/bootia32.efi',
  biosBootCode: 'Windows/Boot/PCAT/boot.img',
  biosCoreImage: 'Windows/Boot/PCAT/core.img',
} as const;

/** GRUB modules both loaders need: find the OS volume on MBR or GPT, read NTFS, start Linux. */
const COMMON_MODULES = ['part_msdos', 'part_gpt', 'ntfs', 'fat', 'search', 'search_fs_file', 'linux', 'boot', 'echo', 'test'];

export interface FullOsPayloadOptions {
  /** The boot image whose kernel + initramfs run as the full OS. */
  bootImage: BootImage;
  cacheDir?: string;
  signal?: AbortSignal;
}

export interface FullOsPayload {
  /** Directory to pass as buildOsImage's overlayDir. */
  overlayDir: string;
  /** Kernel command line the loaders pass. */
  append: string;
  cached: boolean;
}

/** The kernel command line of the full OS: the boot image's, with the environment switched. */
export function fullOsAppend(bootImageAppend: string): string {
  const rest = bootImageAppend.split(/\s+/).filter((a) => a && !a.startsWith('osdlab.environment='));
  return [...rest, 'osdlab.environment=FullOS'].join(' ');
}

/**
 * GRUB's embedded config: the loader finds the volume holding the full-OS kernel by file (the
 * OS volume, wherever the loader itself lives) and starts it; without it GRUB stops with a message.
 */
export function loaderConfig(append: string): string {
  return [
    `search --no-floppy --file --set=root /${FULL_OS_FILES.kernel}`,
    'if [ -z "$root" ]; then echo "osdlab loader: no volume holds the operating system"; sleep 3600; fi',
    'echo "osdlab loader: starting the operating system from $root"',
    `linux /${FULL_OS_FILES.kernel} ${append}`,
    `initrd /${FULL_OS_FILES.initrd}`,
    'boot',
    '',
  ].join('\n');
}

async function grubMkimage(format: 'i386-pc' | 'x86_64-efi' | 'i386-efi', config: string, out: string, extra: string[], signal?: AbortSignal): Promise<void> {
  const prefix = format === 'i386-pc' ? '(hd0)/boot/grub' : '/EFI/Boot';
  const r = await execa('grub-mkimage', ['-O', format, '-o', out, '-p', prefix, '-c', config, ...COMMON_MODULES, ...extra], { reject: false, cancelSignal: signal });
  if (r.exitCode !== 0) {
    throw new EnvironmentError(`grub-mkimage -O ${format} failed: ${r.stderr.trim()}`, 'apt-get install grub-pc-bin grub-efi-amd64-bin grub-efi-ia32-bin');
  }
}

/** Builds (or takes from the cache) the payload directory for `bootImage`. */
export async function buildFullOsPayload(options: FullOsPayloadOptions): Promise<FullOsPayload> {
  const append = fullOsAppend(options.bootImage.append);
  const config = loaderConfig(append);
  const grubVersion = (await execa('grub-mkimage', ['--version'], { reject: false })).stdout.trim();
  const architecture = options.bootImage.architecture;
  const hash = createHash('sha256').update(JSON.stringify({ FORMAT_VERSION, architecture, boot: options.bootImage.hash, config, grubVersion })).digest('hex').slice(0, 24);
  const cacheDir = resolve(options.cacheDir ?? DEFAULT_CACHE_DIR);
  const overlayDir = join(cacheDir, hash);
  if (await stat(join(overlayDir, FULL_OS_FILES.biosCoreImage)).catch(() => undefined)) return { overlayDir, append, cached: true };

  const partial = `${overlayDir}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  try {
    const efiLoader = architecture === 'x86' ? FULL_OS_FILES.efiLoaderIa32 : FULL_OS_FILES.efiLoader;
    for (const f of [FULL_OS_FILES.kernel, efiLoader, FULL_OS_FILES.biosCoreImage]) await mkdir(join(partial, f, '..'), { recursive: true });
    await copyFile(options.bootImage.kernel, join(partial, FULL_OS_FILES.kernel));
    await copyFile(options.bootImage.initrd, join(partial, FULL_OS_FILES.initrd));
    const configFile = join(partial, 'grub-embedded.cfg');
    await writeFile(configFile, config);
    await grubMkimage(architecture === 'x86' ? 'i386-efi' : 'x86_64-efi', configFile, join(partial, efiLoader), [], options.signal);
    await grubMkimage('i386-pc', configFile, join(partial, FULL_OS_FILES.biosCoreImage), ['biosdisk'], options.signal);
    await rm(configFile);
    await writeFile(join(partial, FULL_OS_FILES.biosBootCode), await readFile('/usr/lib/grub/i386-pc/boot.img'));
    await rm(overlayDir, { recursive: true, force: true });
    await rename(partial, overlayDir);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return { overlayDir, append, cached: false };
}
