// The boot image package a full OS stages on its disk for "Restart Computer → Windows PE", as
// ConfigMgr downloads boot.wim, stages it under _SMSTaskSequence\WinPE and points the boot manager
// at it. The package holds the boot image's kernel + initramfs and a loader that starts them
// (GRUB, with the same file layout as the full-OS payload's Windows\Boot, so Setup Windows' loader
// step installs it): the restart then really goes through the firmware into Windows PE from the
// disk. Setup Windows later writes the new OS's own loader over it, as bcdboot rewrites the BCD.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { FULL_OS_FILES, type BootImage } from '../../../images/index.js';
import { EnvironmentError } from '../../../scenarios/index.js';
import type { MediaPackage } from '../media/index.js';

/** Bump when the package's layout or loader config changes. */
const FORMAT_VERSION = 1;
const DEFAULT_CACHE_DIR = '.cache/staged-boot-images';
/** Where the staged boot image lives on the Windows volume (forward slashes, as GRUB sees it). */
export const STAGED_WINPE_DIR = '_SMSTaskSequence/WinPE';
const MODULES = ['part_msdos', 'part_gpt', 'ntfs', 'fat', 'search', 'search_fs_file', 'linux', 'boot', 'echo', 'test'];

/** GRUB's embedded config: start the staged boot image from whichever volume holds it. */
export function stagedLoaderConfig(append: string): string {
  return [
    `search --no-floppy --file --set=root /${STAGED_WINPE_DIR}/vmlinuz`,
    'if [ -z "$root" ]; then echo "osdlab loader: no staged Windows PE on any volume"; sleep 3600; fi',
    'echo "osdlab loader: starting Windows PE staged on $root"',
    `linux /${STAGED_WINPE_DIR}/vmlinuz ${append}`,
    `initrd /${STAGED_WINPE_DIR}/initrd.img`,
    'boot',
    '',
  ].join('\n');
}

/** Builds (or takes from the cache) the staged boot image package `id` for `bootImage`. */
export async function stagedBootImagePackage(id: string, bootImage: BootImage, options: { cacheDir?: string; signal?: AbortSignal } = {}): Promise<MediaPackage> {
  const config = stagedLoaderConfig(bootImage.append);
  const grubVersion = (await execa('grub-mkimage', ['--version'], { reject: false })).stdout.trim();
  const hash = createHash('sha256').update(JSON.stringify({ FORMAT_VERSION, boot: bootImage.hash, config, grubVersion })).digest('hex').slice(0, 24);
  const dir = join(resolve(options.cacheDir ?? DEFAULT_CACHE_DIR), hash);
  const files = {
    vmlinuz: join(dir, 'vmlinuz'),
    'initrd.img': join(dir, 'initrd.img'),
    [FULL_OS_FILES.efiLoader]: join(dir, FULL_OS_FILES.efiLoader),
    [FULL_OS_FILES.biosBootCode]: join(dir, FULL_OS_FILES.biosBootCode),
    [FULL_OS_FILES.biosCoreImage]: join(dir, FULL_OS_FILES.biosCoreImage),
  };
  if (await stat(files[FULL_OS_FILES.biosCoreImage]).catch(() => undefined)) return { id, files };

  const partial = `${dir}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  try {
    for (const f of [FULL_OS_FILES.efiLoader, FULL_OS_FILES.biosCoreImage]) await mkdir(join(partial, f, '..'), { recursive: true });
    await copyFile(bootImage.kernel, join(partial, 'vmlinuz'));
    await copyFile(bootImage.initrd, join(partial, 'initrd.img'));
    const configFile = join(partial, 'grub-embedded.cfg');
    await writeFile(configFile, config);
    for (const [format, out, extra] of [['x86_64-efi', FULL_OS_FILES.efiLoader, []], ['i386-pc', FULL_OS_FILES.biosCoreImage, ['biosdisk']]] as const) {
      const prefix = format === 'i386-pc' ? '(hd0)/boot/grub' : '/EFI/Boot';
      const r = await execa('grub-mkimage', ['-O', format, '-o', join(partial, out), '-p', prefix, '-c', configFile, ...MODULES, ...extra], { reject: false, cancelSignal: options.signal });
      if (r.exitCode !== 0) throw new EnvironmentError(`grub-mkimage -O ${format} failed: ${r.stderr.trim()}`, 'apt-get install grub-pc-bin grub-efi-amd64-bin');
    }
    await rm(configFile);
    await writeFile(join(partial, FULL_OS_FILES.biosBootCode), await readFile('/usr/lib/grub/i386-pc/boot.img'));
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return { id, files };
}
