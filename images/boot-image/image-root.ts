// Where a boot image's files come from, per architecture. x64: this host (Debian 12 amd64: its
// kernel, busybox and tools). x86: Debian's i386 packages that scripts/setup.sh downloads and
// unpacks, merged-/usr, into .cache/debian-i386/root — the same paths under another root, so the
// image lists the same files whichever architecture it is.
import { access, readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { EnvironmentError } from '../../scenarios/index.js';
import { sharedLibraries } from './shared-libraries.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_I386_ROOT = resolve(HERE, '../../.cache/debian-i386/root');
/** Library directories of an i386 Debian 12 tree, in the loader's search order. */
const I386_LIBRARY_DIRS = ['/usr/lib/i386-linux-gnu', '/usr/lib'];

export interface ImageRoot {
  architecture: 'x86' | 'x64';
  /** Directory the image's paths are taken from ("/" for this host). */
  root: string;
  /** Debian kernel flavour: amd64 or 686. */
  flavour: 'amd64' | '686';
  /** Paths (inside the image) of the libraries and the dynamic loader `tool` (a path inside the image) needs. */
  sharedLibraries(tool: string, signal?: AbortSignal): Promise<string[]>;
}

/** The host path of `path` (a path inside the image). */
export function hostPath(root: ImageRoot, path: string): string {
  return root.root === '/' ? path : join(root.root, path);
}

export async function imageRoot(architecture: 'x86' | 'x64', i386Root = DEFAULT_I386_ROOT): Promise<ImageRoot> {
  if (architecture === 'x64') return { architecture, root: '/', flavour: 'amd64', sharedLibraries };
  if (!(await readFile(join(i386Root, '.osdlab-packages'), 'utf8').catch(() => undefined))) {
    throw new EnvironmentError(`x86 boot images need Debian's i386 kernel and userland, not found in ${i386Root}`, 'bash scripts/setup.sh (downloads and unpacks them; see scripts/debian-i386-packages.txt)');
  }
  return { architecture, root: i386Root, flavour: '686', sharedLibraries: (tool, signal) => neededLibraries(i386Root, tool, signal) };
}

/** The newest Debian kernel release of `root`'s flavour in its /boot, e.g. "6.1.0-56-amd64". */
export async function newestKernel(root: ImageRoot): Promise<string> {
  const suffix = `-${root.flavour}`;
  const releases = (await readdir(hostPath(root, '/boot')).catch(() => [] as string[]))
    .filter((f) => f.startsWith('vmlinuz-') && f.endsWith(suffix))
    .map((f) => f.slice('vmlinuz-'.length))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = releases.at(-1);
  if (!newest) {
    const fix = root.architecture === 'x64' ? 'bash scripts/setup.sh (installs linux-image-amd64)' : 'bash scripts/setup.sh (downloads linux-image-686)';
    throw new EnvironmentError(`no Debian ${root.flavour} kernel in ${hostPath(root, '/boot')} for the boot image`, fix);
  }
  return newest;
}

interface DynamicInfo {
  interpreter?: string;
  needed: string[];
}

/** PT_INTERP and DT_NEEDED of an ELF file, as readelf prints them (no loader of that architecture needed on the host). */
async function dynamicInfo(file: string, signal?: AbortSignal): Promise<DynamicInfo> {
  const r = await execa('readelf', ['-ldW', file], { reject: false, cancelSignal: signal, env: { LC_ALL: 'C' } });
  if (r.exitCode !== 0) throw new Error(`readelf ${file} failed: ${r.stderr.trim()}`);
  const interpreter = /\[Requesting program interpreter: (\S+)\]/.exec(r.stdout)?.[1];
  const needed = [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(\S+)\]/g)].map((m) => m[1]!);
  return { interpreter, needed };
}

/** The closure of DT_NEEDED over `root`'s library directories, plus the loader; paths inside the image. */
async function neededLibraries(root: string, tool: string, signal?: AbortSignal): Promise<string[]> {
  const found = new Set<string>();
  const visit = async (path: string): Promise<void> => {
    const info = await dynamicInfo(join(root, path), signal);
    if (info.interpreter && !found.has(info.interpreter)) found.add(info.interpreter);
    for (const name of info.needed) {
      const dir = await firstDirHolding(root, name);
      if (!dir) throw new Error(`${tool} needs ${name}, which is not in ${root} (scripts/debian-i386-packages.txt)`);
      const lib = `${dir}/${name}`;
      if (found.has(lib)) continue;
      found.add(lib);
      await visit(lib);
    }
  };
  await visit(tool);
  return [...found];
}

async function firstDirHolding(root: string, name: string): Promise<string | undefined> {
  for (const dir of I386_LIBRARY_DIRS) {
    if (await access(join(root, dir, name)).then(() => true, () => false)) return dir;
  }
  return undefined;
}
