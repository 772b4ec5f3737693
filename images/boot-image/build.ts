// Builds a boot image (the Windows PE stand-in): the Debian kernel plus an initramfs holding
// busybox, the agent, the kernel modules of the image's driver list and the tools the actions use,
// each with its shared libraries. Built images are cached by a hash of everything that goes in.
import { createHash } from 'node:crypto';
import { access, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { execa } from 'execa';
import { EnvironmentError, InputError } from '../../scenarios/index.js';
import { writeCpio, type CpioEntry } from './cpio.js';
import { ALWAYS_INCLUDED_MODULES, BOOT_IMAGE_DRIVERS } from './drivers.js';
import { readModuleTree, selectModules } from './kernel-modules.js';
import { hostPath, imageRoot, newestKernel, type ImageRoot } from './image-root.js';

/** Bump when the image layout changes, so cached images built by older code are not reused. */
const FORMAT_VERSION = 2;
const HERE = dirname(fileURLToPath(import.meta.url));
const INIT_SCRIPT = join(HERE, 'init.sh');
/** Prepare Windows for Capture's osdprepareos.exe, for the full OS the boot image also runs. */
const PREPARE_OS_SCRIPT = join(HERE, 'osdprepareos.sh');
const BUSYBOX = '/bin/busybox';
const DEFAULT_CACHE_DIR = resolve(HERE, '../../.cache/boot-images');

/** The tools actions run in the boot image (issue 5 §3); each goes in with the libraries ldd names. */
export const BOOT_IMAGE_TOOLS: readonly string[] = [
  '/usr/sbin/sfdisk',
  '/usr/sbin/sgdisk',
  '/usr/sbin/mkfs.vfat',
  '/usr/sbin/mkntfs',
  '/usr/bin/ntfs-3g',
  '/usr/bin/wimlib-imagex',
  // File system type and label of each volume (busybox has no blkid): drive letters, disk facts.
  '/usr/sbin/blkid',
];

export interface BootImageOptions {
  architecture: 'x86' | 'x64';
  /** Device drivers to include, by the lab's device names (keys of BOOT_IMAGE_DRIVERS). */
  drivers: readonly string[];
  /** The in-guest agent script (lab/qemu's AGENT_SCRIPT); installed as /usr/bin/osdlab-agent. */
  agentScript: string;
  /** Kernel release, e.g. "6.1.0-56-amd64"; default: the newest of the architecture's flavour (amd64, 686). */
  kernelRelease?: string;
  /** Where x86 images take their files from; default: .cache/debian-i386/root (scripts/setup.sh). */
  i386Root?: string;
  tools?: readonly string[];
  cacheDir?: string;
  /** Where the field problem came from, for InputError messages ("scenario.yaml"). */
  source?: { file?: string; path?: string };
  signal?: AbortSignal;
}

export interface BootImage {
  architecture: 'x86' | 'x64';
  kernel: string;
  initrd: string;
  /** Kernel command line the image expects (serial console, reboot on panic, environment). */
  append: string;
  hash: string;
  /** True when the image came from the cache. */
  cached: boolean;
  /** Kernel module names in the image. */
  modules: string[];
}

interface SourceFile {
  /** Path inside the image. */
  path: string;
  source: string;
  mode: number;
}

/** The newest Debian kernel release for boot images of `architecture`, e.g. "6.1.0-56-amd64". */
export async function newestKernelRelease(architecture: 'x86' | 'x64' = 'x64'): Promise<string> {
  return newestKernel(await imageRoot(architecture));
}

function driverModules(options: BootImageOptions): string[] {
  const modules = [...ALWAYS_INCLUDED_MODULES];
  options.drivers.forEach((driver, i) => {
    const mods = BOOT_IMAGE_DRIVERS[driver];
    if (!mods) {
      throw new InputError({
        file: options.source?.file,
        path: `${options.source?.path ?? 'bootImage.drivers'}[${i}]`,
        message: `found driver "${driver}"; allowed: ${Object.keys(BOOT_IMAGE_DRIVERS).join(', ')}`,
      });
    }
    modules.push(...mods);
  });
  return modules;
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Every file copied from the host into the image: tools, their libraries, kernel modules, scripts. */
async function sourceFiles(options: BootImageOptions, root: ImageRoot, modulesDir: string, modulePaths: string[]): Promise<SourceFile[]> {
  const files: SourceFile[] = [
    { path: '/init', source: INIT_SCRIPT, mode: 0o755 },
    { path: '/usr/bin/osdlab-agent', source: options.agentScript, mode: 0o755 },
    { path: '/usr/bin/osdprepareos.exe', source: PREPARE_OS_SCRIPT, mode: 0o755 },
    { path: BUSYBOX, source: hostPath(root, BUSYBOX), mode: 0o755 },
  ];
  const libraries = new Set<string>();
  for (const tool of options.tools ?? BOOT_IMAGE_TOOLS) {
    if (!(await executable(hostPath(root, tool)))) throw new EnvironmentError(`boot image tool ${hostPath(root, tool)} is not installed`, 'bash scripts/setup.sh');
    files.push({ path: tool, source: hostPath(root, tool), mode: 0o755 });
    for (const lib of await root.sharedLibraries(tool, options.signal)) libraries.add(lib);
  }
  for (const lib of [...libraries].sort()) files.push({ path: lib, source: hostPath(root, lib), mode: 0o755 });
  for (const m of modulePaths) files.push({ path: join(modulesDir, m), source: hostPath(root, join(modulesDir, m)), mode: 0o644 });
  return files;
}

/**
 * Busybox applets as symlinks, except where a real tool of the same path is in the image. The host's
 * busybox lists them for either architecture: Debian builds busybox-static with one configuration.
 */
async function busyboxLinks(taken: Set<string>): Promise<CpioEntry[]> {
  const { stdout } = await execa(BUSYBOX, ['--list-full']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((p) => usrMerged({ kind: 'symlink' as const, path: `/${p}`, target: BUSYBOX }))
    .filter((e) => {
      if (taken.has(e.path)) return false;
      taken.add(e.path);
      return true;
    });
}

/** Adds every missing parent directory, then orders entries so each directory precedes its contents. */
function withDirectories(entries: CpioEntry[]): CpioEntry[] {
  const dirs = new Set<string>(['/dev', '/proc', '/sys', '/tmp', '/run', '/mnt', '/etc', '/root']);
  for (const e of entries) {
    for (let d = dirname(e.path); d !== '/'; d = dirname(d)) dirs.add(d);
  }
  const all: CpioEntry[] = [...[...dirs].map((path) => ({ kind: 'directory' as const, path, mode: 0o755 })), ...entries];
  return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function hashInputs(parts: unknown, files: SourceFile[], kernel: string): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify({ FORMAT_VERSION, parts }));
  for (const f of [...files, { path: '/boot/vmlinuz', source: kernel, mode: 0o644 }]) {
    h.update(`${f.path}\0${f.mode}\0`);
    h.update(await readFile(f.source));
  }
  return h.digest('hex').slice(0, 24);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function buildBootImage(options: BootImageOptions): Promise<BootImage> {
  const root = await imageRoot(options.architecture, options.i386Root);
  const release = options.kernelRelease ?? (await newestKernel(root));
  const kernel = hostPath(root, `/boot/vmlinuz-${release}`);
  const modulesDir = `/lib/modules/${release}`;
  const wanted = driverModules(options);
  let selection;
  try {
    selection = selectModules(await readModuleTree(hostPath(root, modulesDir)), wanted);
  } catch (err) {
    throw new EnvironmentError(`boot image for kernel ${release}: ${(err as Error).message}`, `bash scripts/setup.sh (installs the ${root.flavour} kernel)`);
  }
  const files = await sourceFiles(options, root, modulesDir, selection.paths);
  const append = 'console=ttyS0 panic=-1 osdlab.environment=WinPE';
  const hash = await hashInputs({ architecture: options.architecture, release, wanted, append, modulesDep: selection.modulesDep, modulesAlias: selection.modulesAlias }, files, kernel);
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const dir = join(cacheDir, hash);
  const image = { architecture: options.architecture, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), append, hash, modules: selection.paths.map((p) => p.replace(/^.*\//, '').replace(/\.ko$/, '')) };
  if (await exists(join(dir, 'manifest.json'))) return { ...image, cached: true };

  const entries: CpioEntry[] = [];
  for (const f of files) {
    options.signal?.throwIfAborted();
    entries.push({ kind: 'file', path: f.path, mode: f.mode, data: await readFile(f.source) });
  }
  entries.push(
    { kind: 'file', path: join(modulesDir, 'modules.dep'), mode: 0o644, data: Buffer.from(selection.modulesDep) },
    { kind: 'file', path: join(modulesDir, 'modules.alias'), mode: 0o644, data: Buffer.from(selection.modulesAlias) },
    { kind: 'file', path: '/etc/osdlab-environment', mode: 0o644, data: Buffer.from('WinPE\n') },
    { kind: 'chardev', path: '/dev/console', mode: 0o600, major: 5, minor: 1 },
    { kind: 'chardev', path: '/dev/null', mode: 0o666, major: 1, minor: 3 },
  );
  // Debian 12 is merged-/usr: /lib, /lib64, /bin and /sbin are links into /usr, in the image too.
  const merged = entries.map(usrMerged);
  merged.push(...['/lib', '/lib64', '/bin', '/sbin'].map((l) => ({ kind: 'symlink' as const, path: l, target: `usr${l}` })));
  const taken = new Set(merged.map((e) => e.path));
  merged.push(...(await busyboxLinks(taken)));
  const initrd = await promisify(gzip)(writeCpio(withDirectories(merged)), { level: 6 });

  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await copyFile(kernel, join(tmp, 'vmlinuz'));
    await writeFile(join(tmp, 'initrd.img'), initrd);
    await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify({ architecture: options.architecture, release, drivers: options.drivers, modules: image.modules, files: files.map((f) => f.path) }, null, 2)}\n`);
    await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Another build of the same inputs finished first: its result is identical.
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      await rm(tmp, { recursive: true, force: true });
    });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return { ...image, cached: false };
}

/** Paths under /lib, /bin, /sbin go to /usr/…, behind the merged-/usr links. */
function usrMerged(e: CpioEntry): CpioEntry {
  if (!/^\/(lib|lib64|bin|sbin)\//.test(e.path)) return e;
  return { ...e, path: `/usr${e.path}` };
}
