// The PXE distribution point's boot files (its RemoteInstall folder, the TFTP root): GRUB netboot
// images (grub-mkimage) stand in for the Windows boot managers at ConfigMgr's names —
// SMSBoot\x64\bootmgfw.efi and wdsmgfw.efi for UEFI x64, SMSBoot\<arch>\pxeboot.n12 and
// pxeboot.com for BIOS, SMSBoot\x86\… for ia32 UEFI — for every GRUB platform installed here. Their
// embedded configuration loads the boot image of the folder's architecture (the one the responder
// offers that client; kernel + initramfs) over TFTP from
// SMSImages\<PackageID>\ (as bootmgfw.efi loads boot.<PackageID>.wim with the RamDisk TFTP block and
// window sizes) and tells the agent on the kernel line that the machine was PXE-started and where
// its MP and DP are. (GRUB's own HTTP client times out on a fast DP under TCG: TFTP it is.)
import { access, copyFile, link, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import type { Architecture, Firmware } from '../../../harness/index.js';
import { EnvironmentError } from '../../../scenarios/index.js';
import { pxeBootFile } from '../../site/index.js';

const GRUB_LIB = '/usr/lib/grub';

/**
 * GRUB platforms and the clients their image serves. Everything the loader needs is built in and its
 * configuration embedded: GRUB asks TFTP for modules by absolute paths ("/grub/…"), which the TFTP
 * server refuses, so nothing is fetched but the boot image (by relative names).
 */
const PLATFORMS: { format: string; dir: string; modules: string[]; linux: 'linux' | 'linux16'; clients: { firmware: Firmware; architecture: Architecture }[] }[] = [
  { format: 'x86_64-efi', dir: 'x86_64-efi', modules: ['efinet', 'linux'], linux: 'linux', clients: [{ firmware: 'uefi', architecture: 'x64' }] },
  { format: 'i386-efi', dir: 'i386-efi', modules: ['efinet', 'linux'], linux: 'linux', clients: [{ firmware: 'uefi', architecture: 'x86' }] },
  // BIOS: linux16, so the kernel's real-mode setup runs (an x64 kernel then refuses a 32-bit CPU
  // aloud). PXE ROMs run in real mode whatever the CPU: one platform serves both folders, each
  // image loading its folder's boot image.
  { format: 'i386-pc-pxe', dir: 'i386-pc', modules: ['pxe', 'linux16'], linux: 'linux16', clients: [{ firmware: 'bios', architecture: 'x64' }, { firmware: 'bios', architecture: 'x86' }] },
];
const COMMON_MODULES = ['net', 'tftp', 'boot', 'echo', 'serial', 'terminal', 'sleep'];

/** Kernel-line arguments of a PXE-started boot image (the agent's side reads /proc/cmdline). */
export const PXE_LAUNCH_ARG = 'osdlab.launch=pxe';

/** A boot image on the DP: its package ID, files and own kernel line. */
export interface PxeBootImage {
  id: string;
  kernel: string;
  initrd: string;
  append: string;
}

export interface PxeBootFilesOptions {
  /** The TFTP root to fill. */
  root: string;
  /** The DP's address (its TFTP server; the agent is told its HTTP content service). */
  dpAddress: string;
  /** The boot image the responder offers per client architecture; none → that architecture's loaders say so and stop. */
  bootImages: Partial<Record<Architecture, PxeBootImage>>;
  /** The management point's base URL, passed on to the agent. */
  mpUrl?: string;
  signal?: AbortSignal;
}

export interface PxeLoaderOptions {
  dpAddress: string;
  mpUrl?: string;
  /** The clients' architecture (default x64): named when there is no boot image. */
  architecture?: Architecture;
  bootImage?: { id: string };
  /** The boot image's own kernel line. */
  append: string;
}

/** The netboot loader's embedded configuration: the boot image from the DP over TFTP, on the serial console. */
export function pxeGrubConfig(options: PxeLoaderOptions, linux: 'linux' | 'linux16'): string {
  // Serial only: on UEFI the firmware's console is the serial line as well, which would print everything twice.
  const lines = ['serial --unit=0 --speed=115200', 'terminal_input serial', 'terminal_output serial'];
  if (options.bootImage === undefined) {
    lines.push(`echo 'osdlab PXE: no ${options.architecture ?? 'x64'} boot image on this distribution point'`, 'sleep 3600');
    return `${lines.join('\n')}\n`;
  }
  // No leading "/": GRUB sends the name as written, and the TFTP server refuses absolute names.
  const base = `(tftp,${options.dpAddress})${bootImageFolder(options.bootImage.id)}`;
  const append = [options.append, PXE_LAUNCH_ARG, `osdlab.dp=http://${options.dpAddress}`, ...(options.mpUrl ? [`osdlab.mp=${options.mpUrl}`] : [])].join(' ');
  lines.push(
    `echo 'osdlab PXE: loading boot image ${options.bootImage.id} from tftp://${options.dpAddress}'`,
    `${linux} '${base}/vmlinuz' ${append}`,
    `${linux === 'linux16' ? 'initrd16' : 'initrd'} '${base}/initrd.img'`,
    'boot',
  );
  return `${lines.join('\n')}\n`;
}

/** Where the boot image lies in the TFTP root (RemoteInstall\SMSImages\<PackageID>). */
export function bootImageFolder(packageId: string): string {
  return `SMSImages/${packageId}`;
}

/** Fills the TFTP root; returns the boot files written (TFTP names, with "\"). */
export async function buildPxeBootFiles(options: PxeBootFilesOptions): Promise<{ bootFiles: string[] }> {
  const bootFiles: string[] = [];
  await mkdir(options.root, { recursive: true });
  for (const p of PLATFORMS) {
    if (!(await access(join(GRUB_LIB, p.dir)).then(() => true, () => false))) continue;
    for (const client of p.clients) {
      const bootImage = options.bootImages[client.architecture];
      const loader: PxeLoaderOptions = { dpAddress: options.dpAddress, architecture: client.architecture, append: bootImage?.append ?? '', ...(bootImage ? { bootImage } : {}), ...(options.mpUrl ? { mpUrl: options.mpUrl } : {}) };
      const config = join(options.root, `.osdlab-${p.format}-${client.architecture}.cfg`);
      await writeFile(config, pxeGrubConfig(loader, p.linux));
      const image = join(options.root, `.osdlab-${p.format}-${client.architecture}.img`);
      const r = await execa('grub-mkimage', ['-O', p.format, '-o', image, '-p', '/grub', '-c', config, ...p.modules, ...COMMON_MODULES], { reject: false, cancelSignal: options.signal });
      await rm(config);
      if (r.exitCode !== 0) throw new EnvironmentError(`grub-mkimage -O ${p.format} failed: ${r.stderr.trim()}`, 'apt-get install grub-efi-amd64-bin grub-pc-bin');
      for (const kind of ['required', 'available'] as const) {
        const name = pxeBootFile(client.firmware, client.architecture, kind)!;
        const target = join(options.root, ...name.split('\\'));
        await mkdir(dirname(target), { recursive: true });
        await copyFile(image, target);
        bootFiles.push(name);
      }
      await rm(image);
    }
  }
  if (bootFiles.length === 0) throw new EnvironmentError(`no GRUB platform is installed under ${GRUB_LIB}`, 'apt-get install grub-efi-amd64-bin grub-pc-bin');
  for (const bootImage of Object.values(options.bootImages)) {
    const folder = join(options.root, ...bootImageFolder(bootImage.id).split('/'));
    await mkdir(folder, { recursive: true });
    for (const [name, source] of [['vmlinuz', bootImage.kernel], ['initrd.img', bootImage.initrd]] as const) {
      await link(source, join(folder, name)).catch(() => copyFile(source, join(folder, name)));
    }
  }
  return { bootFiles };
}
