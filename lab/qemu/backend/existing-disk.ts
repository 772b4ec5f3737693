// An existing machine's disk for refresh scenarios (issue 6 item 3), built on the host with the real
// tools before the run: the partition table (the same sfdisk/sgdisk plan osddiskpart's stand-in
// uses), each volume formatted (mkntfs, mkfs.vfat), the installed Windows applied from the OS
// image with wimlib (NTFS-3G mode) together with the user profiles and the client cache, and the
// boot loader Setup Windows would have left (images/full-os: bootx64.efi on the ESP, or GRUB's MBR
// code + core image and an active partition). The result is a qcow2 cached by a hash of the whole
// description; each machine gets a copy-on-write overlay of it.
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import type { Architecture, Firmware, PartitionDiskRequest } from '../../../harness/index.js';
import { FULL_OS_FILES, OS_VERSION_MARKER, wimContentHash } from '../../../images/index.js';
import { makeFileSystem, withDiskImage } from '../disk/index.js';
import { planPartitions, type PlannedPartition } from '../machine/index.js';

/** Bump when what the builder writes changes. */
const FORMAT_VERSION = 2;
const DEFAULT_CACHE_DIR = '.cache/existing-disks';
const MIB = 1024 * 1024;
const SECTOR = 512;
/** Profile files are cut into pieces of at most this size. */
const PROFILE_FILE_BYTES = 64 * MIB;

/** A user profile of the installed Windows: C:\Users\<name>, its files by path inside the profile. */
export interface ProfileSpec {
  name: string;
  files: { path: string; bytes: number }[];
}

export interface InstalledWindowsSpec {
  wimPath: string;
  imageIndex: number;
  /** 1-based partition number of the Windows volume. */
  partition: number;
  /** What Win32_OperatingSystem says (the OS version marker); default: the image's own. */
  caption?: string;
  version?: string;
  architecture: Architecture;
  configMgrClient: boolean;
  profiles: ProfileSpec[];
  /** Packages already in the client cache (C:\Windows\ccmcache\<PackageID>): files by path in the package → host file. */
  clientCache: { id: string; files: Record<string, string> }[];
}

export interface ExistingDiskSpec {
  sizeBytes: number;
  layout: Omit<PartitionDiskRequest, 'diskIndex'>;
  firmware: Firmware;
  windows?: InstalledWindowsSpec;
}

export interface BuiltExistingDisk {
  /** The cached qcow2 (never attach it directly: see diskOverlay). */
  path: string;
  hash: string;
  cached: boolean;
  partitions: PlannedPartition[];
  notes: string[];
}

export type ExistingDiskResult = { ok: true; disk: BuiltExistingDisk } | { ok: false; message: string };

/** Deterministic bytes of a profile file (`<user>/<path in the profile>`): AES-128-CTR keystream keyed by its key's SHA-256. */
export function profileFileBytes(key: string, bytes: number): Buffer {
  const seed = createHash('sha256').update(key).digest();
  const cipher = createCipheriv('aes-128-ctr', seed.subarray(0, 16), seed.subarray(16, 32));
  return Buffer.concat([cipher.update(Buffer.alloc(bytes)), cipher.final()]);
}

/** Profiles for `users` users holding `bytes` of user state between them (Documents\stateN.bin). */
export function generatedProfiles(users: number, bytes: number): ProfileSpec[] {
  return Array.from({ length: users }, (_, u) => {
    let left = Math.floor(bytes / Math.max(users, 1));
    const files: ProfileSpec['files'] = [{ path: 'Desktop/notes.txt', bytes: 64 }];
    for (let n = 1; left > 0; n++) {
      const size = Math.min(left, PROFILE_FILE_BYTES);
      files.push({ path: `Documents/state${n}.bin`, bytes: size });
      left -= size;
    }
    return { name: `user${u + 1}`, files };
  });
}

async function specHash(spec: ExistingDiskSpec, signal?: AbortSignal): Promise<string> {
  const w = spec.windows;
  const cache = w ? await Promise.all(w.clientCache.map(async (p) => ({ id: p.id, files: await Promise.all(Object.entries(p.files).sort().map(async ([k, f]) => [k, await fileHash(f)])) }))) : [];
  signal?.throwIfAborted();
  const windows = w ? { ...w, wimPath: undefined, wim: wimContentHash(w.wimPath), clientCache: cache } : undefined;
  return createHash('sha256').update(JSON.stringify({ FORMAT_VERSION, sizeBytes: spec.sizeBytes, layout: spec.layout, firmware: spec.firmware, windows })).digest('hex').slice(0, 24);
}

async function fileHash(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Builds (or takes from the cache) the disk `spec` describes. */
export async function buildExistingDisk(spec: ExistingDiskSpec, options: { cacheDir?: string; signal?: AbortSignal } = {}): Promise<ExistingDiskResult> {
  const { signal } = options;
  const planned = planPartitions({ ...spec.layout, diskIndex: 0 }, '/dev/disk', spec.sizeBytes);
  if (!planned.ok) return { ok: false, message: planned.message };
  const partitions = planned.plan.partitions;
  const w = spec.windows;
  const osPartition = w && partitions.find((p) => p.number === w.partition);
  if (w && !osPartition?.spec.fileSystem) return { ok: false, message: `partition ${w.partition} of the layout does not exist or is not formatted, so it cannot hold the installed Windows` };
  if (w && osPartition?.spec.fileSystem !== 'ntfs') return { ok: false, message: `partition ${w.partition} holds the installed Windows and must be NTFS` };

  const hash = await specHash(spec, signal);
  const dir = resolve(options.cacheDir ?? DEFAULT_CACHE_DIR, hash);
  const path = join(dir, 'disk.qcow2');
  const notesFile = join(dir, 'notes.json');
  if (await stat(path).catch(() => undefined)) {
    return { ok: true, disk: { path, hash, cached: true, partitions, notes: JSON.parse(await readFile(notesFile, 'utf8')) as string[] } };
  }
  const scratch = await mkdtemp(join(tmpdir(), 'osdlab-existing-disk-'));
  try {
    const raw = join(scratch, 'disk.raw');
    const handle = await open(raw, 'w');
    await handle.truncate(spec.sizeBytes);
    await handle.close();
    // The partition table: the plan's sfdisk/sgdisk commands (the ones before the formats) on the raw file.
    const tableOnly = planPartitions({ ...spec.layout, diskIndex: 0 }, raw, spec.sizeBytes);
    if (!tableOnly.ok) return { ok: false, message: tableOnly.message };
    const formats = partitions.filter((p) => p.spec.fileSystem).length;
    await execa('sh', ['-c', ['set -e', ...tableOnly.plan.commands.slice(0, tableOnly.plan.commands.length - formats)].join('\n')], { cancelSignal: signal });

    const notes: string[] = [];
    let esp: number | undefined;
    const loader = w ? await loaderFiles(w, scratch, signal) : undefined;
    await withDiskImage(raw, { writable: true, signal }, async (image) => {
      for (const p of partitions.filter((q) => q.spec.fileSystem)) {
        const volume = join(scratch, `volume${p.number}.img`);
        await makeFileSystem(volume, { offsetBytes: p.startMiB * MIB, sizeBytes: p.sizeMiB * MIB, fileSystem: p.spec.fileSystem!, ...(p.spec.label ? { label: p.spec.label } : {}) }, signal);
        if (w && p === osPartition) notes.push(...(await installWindows(w, volume, scratch, signal)));
        if (loader && spec.firmware === 'uefi' && p.spec.type === 'efi' && p.spec.fileSystem === 'fat32' && esp === undefined) {
          esp = p.number;
          await execa('mmd', ['-i', volume, '::/EFI', '::/EFI/Boot'], { cancelSignal: signal });
          await execa('mcopy', ['-i', volume, loader.efi, '::/EFI/Boot/bootx64.efi'], { cancelSignal: signal });
          notes.push(`boot files written to \\EFI\\Boot\\bootx64.efi on partition ${p.number}`);
        }
        await image.writeFile(p.startMiB * MIB, volume);
        await rm(volume);
      }
      if (loader && spec.firmware === 'bios') notes.push(await biosLoader(image, spec, partitions, osPartition!, loader, raw, signal));
    });
    if (loader && spec.firmware === 'uefi' && esp === undefined) notes.push('the layout has no FAT32 EFI system partition: no UEFI boot files written');

    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    await execa('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, partial], { cancelSignal: signal });
    await writeFile(notesFile, JSON.stringify(notes));
    await rename(partial, path);
    return { ok: true, disk: { path, hash, cached: false, partitions, notes } };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A machine's own disk over the cached one: a qcow2 overlay, so the cache is never written. */
export async function diskOverlay(built: BuiltExistingDisk, path: string, signal?: AbortSignal): Promise<void> {
  await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', built.path, '-F', 'qcow2', path], { cancelSignal: signal });
}

/** The loader files of the installed Windows, from its image (as bcdboot takes them from Windows\Boot). */
async function loaderFiles(w: InstalledWindowsSpec, scratch: string, signal?: AbortSignal): Promise<{ efi: string; bootCode: string; coreImage: string } | undefined> {
  const dest = join(scratch, 'loader');
  const wanted = [FULL_OS_FILES.efiLoader, FULL_OS_FILES.biosBootCode, FULL_OS_FILES.biosCoreImage];
  const r = await execa('wimlib-imagex', ['extract', w.wimPath, String(w.imageIndex), ...wanted.map((f) => `/${f}`), `--dest-dir=${dest}`, '--no-acls', '--no-attributes'], { reject: false, cancelSignal: signal });
  if (r.exitCode !== 0) return undefined;
  const at = (f: string) => join(dest, f.replace(/^.*\//, ''));
  return { efi: at(FULL_OS_FILES.efiLoader), bootCode: at(FULL_OS_FILES.biosBootCode), coreImage: at(FULL_OS_FILES.biosCoreImage) };
}

/** Applies the Windows image with the profiles, the client cache and the version marker laid over it. */
async function installWindows(w: InstalledWindowsSpec, volume: string, scratch: string, signal?: AbortSignal): Promise<string[]> {
  const staging = join(scratch, 'installed');
  for (const profile of w.profiles) {
    for (const f of profile.files) {
      const file = join(staging, 'Users', profile.name, f.path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, profileFileBytes(`${profile.name}/${f.path}`, f.bytes));
    }
  }
  for (const pkg of w.clientCache) {
    for (const [inside, source] of Object.entries(pkg.files)) {
      const file = join(staging, 'Windows/ccmcache', pkg.id, inside);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, await readFile(source));
    }
  }
  if (w.configMgrClient) {
    await mkdir(join(staging, 'Windows/CCM'), { recursive: true });
    await writeFile(join(staging, 'Windows/CCM/osdlab-client-installed.txt'), 'installed before the run (existing machine)\n');
  }
  if (w.caption !== undefined || w.version !== undefined) {
    const marker = JSON.parse((await execa('wimlib-imagex', ['extract', w.wimPath, String(w.imageIndex), `/${OS_VERSION_MARKER}`, '--to-stdout'], { cancelSignal: signal })).stdout) as Record<string, unknown>;
    await mkdir(join(staging, dirname(OS_VERSION_MARKER)), { recursive: true });
    await writeFile(join(staging, OS_VERSION_MARKER), `${JSON.stringify({ ...marker, ...(w.caption ? { caption: w.caption } : {}), ...(w.version ? { version: w.version } : {}), architecture: w.architecture }, null, 2)}\n`);
  }
  // wimlib cannot apply a second image over existing directories: one image of the index with the extras laid over it.
  const wim = join(scratch, 'installed.wim');
  await execa('wimlib-imagex', ['export', w.wimPath, String(w.imageIndex), wim], { cancelSignal: signal });
  if (await stat(staging).catch(() => undefined)) await execa('wimlib-imagex', ['update', wim, '1', `--command=add ${staging} /`], { cancelSignal: signal });
  await execa('wimlib-imagex', ['apply', wim, '1', volume], { cancelSignal: signal });
  await rm(wim);
  await rm(staging, { recursive: true, force: true });
  const files = w.profiles.reduce((n, p) => n + p.files.length, 0);
  return [`Windows applied from ${w.wimPath} index ${w.imageIndex} to partition ${w.partition}; ${w.profiles.length} user profile(s) with ${files} file(s); ${w.clientCache.length} package(s) in the client cache`];
}

/** GRUB's MBR code and core image (what Setup Windows leaves on a BIOS machine), and an active partition. */
async function biosLoader(
  image: { write(offset: number, data: Buffer): Promise<void>; read(offset: number, length: number): Promise<Buffer> },
  spec: ExistingDiskSpec,
  partitions: PlannedPartition[],
  windows: PlannedPartition,
  loader: { bootCode: string; coreImage: string },
  raw: string,
  signal?: AbortSignal,
): Promise<string> {
  if (spec.layout.style !== 'mbr') return 'the disk is GPT: a BIOS computer starts only from an MBR disk; no boot code written';
  const core = await readFile(loader.coreImage);
  const first = Math.min(...partitions.map((p) => p.startMiB)) * MIB;
  if (core.length > first - SECTOR) return 'the boot code does not fit before the first partition; none written';
  const mbr = await image.read(0, SECTOR);
  (await readFile(loader.bootCode)).copy(mbr, 0, 0, 440);
  await image.write(0, mbr);
  await image.write(SECTOR, core);
  const active = partitions.find((p) => p.spec.bootable) ?? windows;
  if (!active.spec.bootable) await execa('sfdisk', ['-q', '--activate', raw, String(active.number)], { cancelSignal: signal });
  return `MBR boot code written; active partition ${active.number}`;
}
