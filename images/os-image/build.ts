// Builds the multi-index install.wim of an OS image spec, reproducibly, and caches it by the
// spec's hash under .cache/os-images/ (docs/wim.md "OS image builder").
import { createHash } from 'node:crypto';
import { cp, lutimes, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { InputError } from '../../scenarios/index.js';
import { readWimImageSizes, type WimImageSize } from '../wim/image-sizes.js';
import { WimFile, type WimProgress } from '../wim/wim-file.js';
import { libwim } from '../wim/libwim.js';
import { wimContentHash } from './content-hash.js';
import type { OsImageEdition, OsImageSpec } from './spec.js';
import { osCaption, windowsTree } from './windows-tree.js';

/** Bumped whenever the builder's output for an unchanged spec changes (invalidates caches). */
const BUILDER_VERSION = 1;

export const DEFAULT_OS_IMAGE_CACHE = '.cache/os-images';

export interface BuildOsImageOptions {
  /** Default: .cache/os-images under the working directory. */
  cacheDir?: string;
  /** Extra files laid over every index (the QEMU lab's full-OS boot payload); adds to spec.overlay. */
  overlayDir?: string;
  /** Build even when the cache holds this spec. */
  rebuild?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: WimProgress) => void;
}

export interface BuiltOsImage {
  wimPath: string;
  /** SHA-256 over the spec, the overlay files and the builder version: the cache key. */
  specHash: string;
  /** SHA-256 over the images' contents (see content-hash.ts). */
  contentHash: string;
  images: WimImageSize[];
  fromCache: boolean;
}

/** An overlay directory and where it was named, for the message when it is missing. */
interface Overlay {
  dir: string;
  file?: string;
  field: string;
}

interface CacheRecord {
  specHash: string;
  contentHash: string;
  images: WimImageSize[];
}

/** FILETIME (100 ns since 1601) of an ISO time, as the WIM XML writes it: 0xHIGH, 0xLOW. */
function fileTime(iso: string): { high: string; low: string } {
  const ft = (BigInt(Date.parse(iso)) + 11_644_473_600_000n) * 10_000n;
  const hex = (n: bigint) => `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
  return { high: hex(ft >> 32n), low: hex(ft & 0xffffffffn) };
}

/** Relative path, size and SHA-256 of each overlay file, sorted: the overlay's part of the spec hash. */
async function overlayListing(overlay: Overlay): Promise<string[]> {
  const dir = overlay.dir;
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new InputError({ file: overlay.file, path: overlay.field, message: `overlay directory ${dir} does not exist or is not a directory` });
  const entries = (await readdir(dir, { recursive: true, withFileTypes: true })).map((d) => join(d.parentPath, d.name)).sort();
  return Promise.all(
    entries.map(async (p) => {
      const s = await stat(p);
      if (!s.isFile()) return `${relative(dir, p)}/`;
      return `${relative(dir, p)} ${s.size} ${createHash('sha256').update(await readFile(p)).digest('hex')}`;
    }),
  );
}

async function specHashOf(spec: OsImageSpec, overlays: Overlay[]): Promise<string> {
  const { file: _file, overlay: _overlay, ...content } = spec;
  const listings = await Promise.all(overlays.map(overlayListing));
  return createHash('sha256')
    .update(JSON.stringify({ builder: BUILDER_VERSION, wimlib: libwim().version, spec: content, overlays: listings }))
    .digest('hex');
}

/** Writes one index's tree into `root`, lays the overlays over it, and pins every time stamp. */
async function stageIndex(root: string, spec: OsImageSpec, edition: OsImageEdition, overlays: Overlay[]): Promise<void> {
  for (const entry of windowsTree(spec, edition)) {
    const target = join(root, entry.path);
    if (entry.directory) await mkdir(target, { recursive: true });
    else await writeFile(target, entry.content);
  }
  for (const overlay of overlays) await cp(overlay.dir, root, { recursive: true, force: true });
  const time = new Date(spec.timestamp);
  const all = (await readdir(root, { recursive: true, withFileTypes: true })).map((d) => join(d.parentPath, d.name));
  for (const p of [...all, root]) await lutimes(p, time, time);
}

/** The XML a real install.wim carries per index (DISM and ConfigMgr's image properties show it). */
function setEditionProperties(wim: WimFile, index: number, spec: OsImageSpec, edition: OsImageEdition): void {
  const [major, minor, build, revision] = spec.version.split('.');
  const created = fileTime(spec.timestamp);
  const props: Record<string, string> = {
    DESCRIPTION: edition.description,
    FLAGS: edition.edition,
    DISPLAYNAME: edition.name,
    DISPLAYDESCRIPTION: osCaption(spec, edition),
    'WINDOWS/EDITIONID': edition.edition,
    // PROCESSOR_ARCHITECTURE values: 0 = x86, 9 = x64.
    'WINDOWS/ARCH': spec.architecture === 'x64' ? '9' : '0',
    'WINDOWS/VERSION/MAJOR': major,
    'WINDOWS/VERSION/MINOR': minor,
    'WINDOWS/VERSION/BUILD': build,
    'WINDOWS/VERSION/SPBUILD': revision,
    'WINDOWS/LANGUAGES/DEFAULT': spec.language,
    'CREATIONTIME/HIGHPART': created.high,
    'CREATIONTIME/LOWPART': created.low,
  };
  for (const [name, value] of Object.entries(props)) wim.setImageProperty(index, name, value);
}

async function writeWim(spec: OsImageSpec, overlays: Overlay[], specHash: string, out: string, options: BuildOsImageOptions): Promise<void> {
  const staging = await mkdtemp(join(dirname(out), '.staging-'));
  const wim = WimFile.create(spec.compression);
  try {
    // A fixed GUID, derived from the spec: the same spec always names the same WIM.
    wim.setGuid(Buffer.from(specHash.slice(0, 32), 'hex'));
    for (const [i, edition] of spec.images.entries()) {
      const root = join(staging, String(i + 1));
      await stageIndex(root, spec, edition, overlays);
      const index = await wim.addImage(root, edition.name, { signal: options.signal });
      setEditionProperties(wim, index, spec, edition);
    }
    await wim.write(out, { retainGuid: true, signal: options.signal, onProgress: options.onProgress });
  } finally {
    wim.close();
    await rm(staging, { recursive: true, force: true });
  }
}

/** Builds (or takes from the cache) the install.wim of `spec`. */
export async function buildOsImage(spec: OsImageSpec, options: BuildOsImageOptions = {}): Promise<BuiltOsImage> {
  const overlays: Overlay[] = [];
  if (spec.overlay !== undefined) overlays.push({ dir: spec.overlay, file: spec.file, field: 'osImage.overlay' });
  if (options.overlayDir !== undefined) overlays.push({ dir: resolve(options.overlayDir), field: 'overlay' });
  const specHash = await specHashOf(spec, overlays);
  const cacheDir = resolve(options.cacheDir ?? DEFAULT_OS_IMAGE_CACHE);
  const wimPath = join(cacheDir, `${specHash.slice(0, 32)}.wim`);
  const recordPath = `${wimPath}.json`;
  if (!options.rebuild) {
    const cached = await readFile(recordPath, 'utf8')
      .then((t) => JSON.parse(t) as CacheRecord)
      .catch(() => undefined);
    if (cached?.specHash === specHash && (await stat(wimPath).catch(() => undefined))?.isFile()) {
      return { wimPath, specHash, contentHash: cached.contentHash, images: cached.images, fromCache: true };
    }
  }
  await mkdir(cacheDir, { recursive: true });
  // Write under a temporary name and rename: a reader never sees a half-written WIM.
  const partial = join(cacheDir, `.${specHash.slice(0, 32)}.${process.pid}.partial.wim`);
  try {
    await writeWim(spec, overlays, specHash, partial, options);
    const record: CacheRecord = { specHash, contentHash: wimContentHash(partial), images: readWimImageSizes(partial) };
    await rename(partial, wimPath);
    await writeFile(recordPath, `${JSON.stringify(record, null, 2)}\n`);
    return { wimPath, ...record, fromCache: false };
  } finally {
    await rm(partial, { force: true });
  }
}
