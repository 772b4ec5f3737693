// Builds task-sequence media (boot, stand-alone, prestaged) as one hybrid image with grub-mkrescue
// (xorriso underneath): an El Torito ISO bootable on BIOS (GRUB i386-pc) and on UEFI (an El Torito
// EFI image, a FAT image holding \EFI\BOOT\BOOTX64.EFI), whose MBR/GPT also make it a bootable USB
// disk when written raw to a stick. Built media are cached by a hash of everything that goes in.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { EnvironmentError } from '../../../scenarios/index.js';
import { mediaGrubConfig } from './grub-config.js';

/** Bump when the media layout changes, so media built by older code are not reused. */
const FORMAT_VERSION = 1;
const DEFAULT_CACHE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../.cache/media');

/** Volume label of task-sequence media; the boot image's kernel line names it (osdlab.media=). */
export const MEDIA_LABEL = 'OSDLAB_MEDIA';
/** Volume label of the lab's content disk (content of boot media until the DP serves it); lab/qemu/machine's MediaContentSource reads it. */
export const CONTENT_DISK_LABEL = 'OSDLAB_CONTENT';
/** Where the media's settings sit on it: TSMBootstrap.ini and Variables.dat in ConfigMgr. */
export const MEDIA_SETTINGS_FILE = 'SMS/data/TSMBootstrap.json';
/** Package content sits in SMS/PKG/<PackageID>/ on media and content disks, as on ConfigMgr media. */
export const PACKAGE_FOLDER = 'SMS/PKG';

export type MediaKind = 'boot' | 'standalone' | 'prestaged';
/** _SMSTSMediaType of each kind. */
export const MEDIA_TYPE: Record<MediaKind, 'BootMedia' | 'FullMedia' | 'OEMMedia'> = { boot: 'BootMedia', standalone: 'FullMedia', prestaged: 'OEMMedia' };

/** One package's content: file name on the media → file on the host. */
export interface MediaPackage {
  id: string;
  files: Record<string, string>;
}

export interface BuildMediaOptions {
  kind: MediaKind;
  name: string;
  /** The boot image on the media (kernel, initramfs and the command line it expects). */
  bootImage: { kernel: string; initrd: string; append: string };
  variables?: Record<string, string>;
  password?: string;
  /** The deployment whose task sequence stand-alone and prestaged media carry. */
  deployment?: string;
  /** Content carried on the media (stand-alone and prestaged media). */
  packages?: MediaPackage[];
  cacheDir?: string;
  signal?: AbortSignal;
}

export interface BuiltImage {
  /** The image file: attach it as a CD, or copy it and attach the copy as a USB disk. */
  path: string;
  hash: string;
  cached: boolean;
}

/** What the media tell TSMBootstrap: kind, name, variables, whether a password guards them. */
export interface MediaSettings {
  mediaType: (typeof MEDIA_TYPE)[MediaKind];
  name: string;
  deployment?: string;
  variables: Record<string, string>;
  passwordProtected: boolean;
  packages: string[];
}

async function hashFile(h: ReturnType<typeof createHash>, path: string, signal?: AbortSignal): Promise<void> {
  for await (const chunk of createReadStream(path, { signal })) h.update(chunk as Buffer);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** xorriso graft point "path on the image=path on the host"; '=' and '\' are escaped. */
function graftPoint(target: string, source: string): string {
  const escape = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('=', '\\=');
  return `${escape(target)}=${escape(source)}`;
}

function packageGrafts(packages: MediaPackage[], folder: string): string[] {
  return packages.flatMap((p) => Object.entries(p.files).map(([name, source]) => graftPoint(`${folder}/${p.id}/${name}`, source)));
}

/** Hash of a JSON description plus the bytes of every file named. */
async function inputHash(description: unknown, files: string[], signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify({ FORMAT_VERSION, description }));
  for (const f of files) {
    h.update(`\0${f}\0`);
    await hashFile(h, f, signal);
  }
  return h.digest('hex').slice(0, 24);
}

/** Returns the cached image of `hash`, or builds it into a scratch folder and moves it into the cache. */
async function cached(cacheDir: string, hash: string, fileName: string, build: (scratch: string, out: string) => Promise<void>): Promise<BuiltImage> {
  const dir = join(cacheDir, hash);
  const path = join(dir, fileName);
  if (await exists(path)) return { path, hash, cached: true };
  await mkdir(cacheDir, { recursive: true });
  const scratch = await mkdtemp(join(cacheDir, `${hash}.tmp-`));
  try {
    const out = join(scratch, 'out');
    await mkdir(out);
    await build(scratch, join(out, fileName));
    await rename(out, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another build of the same inputs finished first: its result is identical.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { path, hash, cached: false };
}

async function tool<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new EnvironmentError(`${name} is not installed`, 'bash scripts/setup.sh (installs grub-pc-bin, grub-efi-amd64-bin, xorriso, mtools)');
    throw err;
  }
}

export function mediaSettings(options: BuildMediaOptions): MediaSettings {
  return {
    mediaType: MEDIA_TYPE[options.kind],
    name: options.name,
    ...(options.deployment !== undefined ? { deployment: options.deployment } : {}),
    variables: options.variables ?? {},
    passwordProtected: options.password !== undefined,
    packages: (options.packages ?? []).map((p) => p.id),
  };
}

/** Task-sequence media: the boot image, GRUB for BIOS and UEFI, the media settings and (stand-alone, prestaged) the content. */
export async function buildMedia(options: BuildMediaOptions): Promise<BuiltImage> {
  const packages = options.packages ?? [];
  const settings = mediaSettings(options);
  const { kernel, initrd, append } = options.bootImage;
  const contentFiles = packages.flatMap((p) => Object.values(p.files));
  const hash = await inputHash({ settings, append, password: options.password, packages }, [kernel, initrd, ...contentFiles], options.signal);
  return cached(options.cacheDir ?? DEFAULT_CACHE_DIR, hash, 'media.iso', async (scratch, out) => {
    await mkdir(join(scratch, 'grub'));
    const grubCfg = join(scratch, 'grub', 'grub.cfg');
    // The password's salt comes from the inputs, so the same media are built byte for byte alike.
    const password = options.password !== undefined ? { text: options.password, salt: createHash('sha512').update(`salt:${hash}`).digest() } : undefined;
    await writeFile(grubCfg, mediaGrubConfig({ append: `${append} osdlab.media=${MEDIA_LABEL}`, ...(password ? { password } : {}) }));
    const settingsFile = join(scratch, 'TSMBootstrap.json');
    await writeFile(settingsFile, `${JSON.stringify(settings, null, 2)}\n`);
    const grafts = [
      graftPoint('/boot/grub/grub.cfg', grubCfg),
      graftPoint('/boot/vmlinuz', kernel),
      graftPoint('/boot/initrd.img', initrd),
      graftPoint(`/${MEDIA_SETTINGS_FILE}`, settingsFile),
      ...packageGrafts(packages, `/${PACKAGE_FOLDER}`),
    ];
    // No fonts, locales or themes: the menu is never shown, and they would double the image's size.
    await tool('grub-mkrescue', () =>
      execa('grub-mkrescue', ['--locales=', '--fonts=', '--themes=', '-o', out, ...grafts, '--', '-volid', MEDIA_LABEL, '-compliance', 'iso_9660_level=3'], { cancelSignal: options.signal }),
    );
  });
}

/**
 * A non-bootable ISO holding package content in /<PackageID>/ (the layout lab/qemu/machine's
 * MediaContentSource reads): the boot media's content
 * source until the distribution point serves it over the lab network (docs/boot-media.md).
 */
export async function buildContentDisk(options: { packages: MediaPackage[]; cacheDir?: string; signal?: AbortSignal }): Promise<BuiltImage> {
  const files = options.packages.flatMap((p) => Object.values(p.files));
  const hash = await inputHash({ contentDisk: options.packages }, files, options.signal);
  return cached(options.cacheDir ?? DEFAULT_CACHE_DIR, hash, 'content.iso', async (_scratch, out) => {
    await tool('xorriso', () =>
      execa('xorriso', ['-as', 'mkisofs', '-quiet', '-iso-level', '3', '-R', '-V', CONTENT_DISK_LABEL, '-graft-points', '-o', out, ...packageGrafts(options.packages, '')], { cancelSignal: options.signal }),
    );
  });
}
