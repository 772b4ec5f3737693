// A WIM file through libwim: open or create, list images, walk an image's directory tree,
// add/export images, and the long operations (write, extract, verify) on koffi's worker
// threads with progress callbacks, so the event loop keeps ticking while libwim works.
import koffi from 'koffi';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../scenarios/index.js';
import { COMPRESSION, DIR_ENTRY_LAYOUT, PROGRESS_MSG, ProgressCallback, WIMLIB, libwim, type Compression, type WimHandle, type WimInfoStruct } from './libwim.js';

/** A libwim call failed: carries wimlib's error code and its own message (wimlib_get_error_string). */
export class WimlibError extends Error {
  constructor(
    readonly operation: string,
    readonly code: number,
    readonly libwimMessage: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}${operation} failed: ${libwimMessage} (wimlib error ${code})`);
    this.name = 'WimlibError';
  }
}

export interface WimImageInfo {
  /** 1-based, as DISM, ConfigMgr's OSDImageIndex and wimlib number them. */
  index: number;
  name: string;
  description: string;
  /** Uncompressed bytes of file data (the XML TOTALBYTES): what an apply writes to disk. */
  totalBytes: number;
  /** Non-directory files (XML FILECOUNT). */
  fileCount: number;
  dirCount: number;
}

export interface WimSummary {
  path?: string;
  /** 32 hex digits. */
  guid: string;
  imageCount: number;
  /** 0 when no image is bootable. */
  bootIndex: number;
  compression: Compression;
  chunkSize: number;
  /** Size of the file, excluding the XML data and integrity table (wimlib's total_bytes). */
  sizeBytes: number;
  hasIntegrityTable: boolean;
  images: WimImageInfo[];
}

export interface WimDirEntry {
  /** Full path inside the image, "/" separated, "/" for the root. */
  path: string;
  attributes: number;
  directory: boolean;
  /** Size of the unnamed data stream. */
  sizeBytes: number;
  /** The fields below are read only with `details: true` (as `wimlib-imagex dir --detailed`). */
  details?: WimDirEntryDetails;
}

export interface WimDirEntryDetails {
  depth: number;
  /** SHA-1 of the unnamed data stream, 40 hex digits; absent for empty files and directories. */
  sha1?: string;
  /** Nanoseconds since the UNIX epoch (WIMs keep 100 ns resolution). */
  lastWriteTimeNs: bigint;
  links: number;
  hardLinkGroupId: bigint;
  namedStreams: number;
}

export interface DirTreeOptions {
  /** Directory or file inside the image; default "/". */
  path?: string;
  /** false: the entry at `path` and its children only. Default true. */
  recursive?: boolean;
  /** Read each entry's details too (SHA-1, times, links): about three times the cost per entry. */
  details?: boolean;
}

export interface WimProgress {
  phase: 'write' | 'extract' | 'verify' | 'integrity';
  completedBytes: number;
  totalBytes: number;
}

export interface LongOperationOptions {
  signal?: AbortSignal;
  onProgress?: (p: WimProgress) => void;
}

export interface WriteOptions extends LongOperationOptions {
  /** Append an integrity table (SHA-1 per 10 MiB chunk) that `verify`/open can check. */
  integrityTable?: boolean;
  /** Compression threads; 0 lets wimlib choose (one per core). */
  threads?: number;
  /** Keep the GUID set with setGuid() (a fresh WIM otherwise gets a random one at write). */
  retainGuid?: boolean;
}

const COMPRESSION_NAMES = Object.fromEntries(Object.entries(COMPRESSION).map(([k, v]) => [v, k])) as Record<number, Compression>;

const guidHex = (bytes: ArrayLike<number>): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export class WimFile {
  private handle: WimHandle | null;
  /** Set while a worker thread uses the handle: libwim allows one operation per WIMStruct. */
  private busy = false;
  /** WIMs whose images were exported into this one: a write reads their data on the worker too. */
  private readonly exportSources = new Set<WimFile>();

  private constructor(
    handle: WimHandle,
    readonly path: string | undefined,
  ) {
    this.handle = handle;
  }

  /**
   * Opens a WIM named by the user (header, blob table, XML: quick). A missing, unreadable or
   * corrupt file is the user's input problem: InputError naming the file with libwim's message.
   */
  static open(path: string): WimFile {
    const out: [WimHandle | null] = [null];
    return WimFile.opened(path, libwim().open_wim(path, 0, out), out);
  }

  /**
   * Opens a WIM and checks its integrity table (SHA-1 of every 10 MiB chunk of the file) on a
   * worker thread, with progress. A WIM without an integrity table opens unchecked.
   */
  static async openWithIntegrityCheck(path: string, options: LongOperationOptions = {}): Promise<WimFile> {
    const w = libwim();
    const out: [WimHandle | null] = [null];
    const rc = await withProgress(options, (progress) => new Promise<number>((resolveRc, reject) => w.open_wim_with_progress.async(path, WIMLIB.OPEN_FLAG_CHECK_INTEGRITY, out, progress, null, (err, rc) => (err ? reject(err) : resolveRc(rc)))));
    return WimFile.opened(path, rc, out);
  }

  private static opened(path: string, rc: number, out: [WimHandle | null]): WimFile {
    if (rc !== 0 || out[0] === null) {
      const missing = rc === WIMLIB.ERR_OPEN && !existsSync(path) ? 'no such file; ' : '';
      throw new InputError({ file: path, message: `cannot open WIM: ${missing}libwim: ${libwim().get_error_string(rc)} (wimlib error ${rc})` });
    }
    return new WimFile(out[0], resolve(path));
  }

  /** A new, empty WIM in memory; `write` gives it a file. */
  static create(compression: Compression = 'lzx'): WimFile {
    const w = libwim();
    const out: [WimHandle | null] = [null];
    const rc = w.create_new_wim(COMPRESSION[compression], out);
    if (rc !== 0 || out[0] === null) throw new WimlibError('wimlib_create_new_wim', rc, w.get_error_string(rc));
    return new WimFile(out[0], undefined);
  }

  close(): void {
    if (this.busy) throw new Error('WimFile.close while a libwim operation is running');
    if (this.handle !== null) libwim().free(this.handle);
    this.handle = null;
  }

  summary(): WimSummary {
    const info = this.rawInfo();
    return {
      path: this.path,
      guid: guidHex(info.guid),
      imageCount: info.image_count,
      bootIndex: info.boot_index,
      compression: COMPRESSION_NAMES[info.compression_type] ?? 'none',
      chunkSize: info.chunk_size,
      sizeBytes: Number(info.total_bytes),
      hasIntegrityTable: (info.flags & 1) === 1,
      images: this.images(),
    };
  }

  images(): WimImageInfo[] {
    const w = libwim();
    const h = this.use();
    const count = this.rawInfo().image_count;
    const num = (index: number, prop: string) => Number(w.get_image_property(h, index, prop) ?? 0);
    return Array.from({ length: count }, (_, i) => {
      const index = i + 1;
      return {
        index,
        name: w.get_image_name(h, index) ?? '',
        description: w.get_image_description(h, index) ?? '',
        totalBytes: num(index, 'TOTALBYTES'),
        fileCount: num(index, 'FILECOUNT'),
        dirCount: num(index, 'DIRCOUNT'),
      };
    });
  }

  /** An XML property of an image ("WINDOWS/VERSION/BUILD", "FLAGS", ...), undefined if unset. */
  imageProperty(index: number, name: string): string | undefined {
    this.checkIndex(index);
    return libwim().get_image_property(this.use(), index, name) ?? undefined;
  }

  setImageProperty(index: number, name: string, value: string): void {
    this.checkIndex(index);
    this.call('wimlib_set_image_property', (w, h) => w.set_image_property(h, index, name, value));
  }

  /** Fixes the WIM's GUID (16 bytes); pair with `write({ retainGuid: true })`. */
  setGuid(guid: Uint8Array): void {
    if (guid.length !== 16) throw new RangeError('a WIM GUID is 16 bytes');
    const info = { ...this.rawInfo(), guid: Array.from(guid) };
    this.call('wimlib_set_wim_info', (w, h) => w.set_wim_info(h, info, WIMLIB.CHANGE_GUID));
  }

  /**
   * Calls `visit` for each entry under `path` of image `index`, in libwim's order (a directory
   * before its children, children sorted by name). Reads the entries straight from libwim's memory.
   */
  forEachDirEntry(index: number, visit: (e: WimDirEntry) => void, options: DirTreeOptions = {}): void {
    this.checkIndex(index);
    let thrown: unknown;
    const cb = (dentry: bigint): number => {
      try {
        visit(readDirEntry(dentry, options.details === true));
        return 0;
      } catch (err) {
        thrown = err;
        return 1;
      }
    };
    const flags = options.recursive === false ? WIMLIB.ITERATE_DIR_TREE_FLAG_CHILDREN : WIMLIB.ITERATE_DIR_TREE_FLAG_RECURSIVE;
    const path = options.path ?? '/';
    const rc = libwim().iterate_dir_tree(this.use(), index, path, flags, cb, null);
    if (thrown !== undefined) throw thrown;
    if (rc !== 0) {
      const message = libwim().get_error_string(rc);
      // A path the user typed that the image lacks is their mistake, not a libwim failure.
      if (rc === WIMLIB.ERR_PATH_DOES_NOT_EXIST) throw new InputError({ file: this.path, path: path, message: `not in image ${index}: ${message}` });
      throw new WimlibError('wimlib_iterate_dir_tree', rc, message, this.path);
    }
  }

  listDirTree(index: number, options: DirTreeOptions = {}): WimDirEntry[] {
    const entries: WimDirEntry[] = [];
    this.forEachDirEntry(index, (e) => entries.push(e), options);
    return entries;
  }

  /**
   * Captures `source` as a new image (scanning runs on a worker thread); resolves to its index.
   * `source` is a directory, or with `ntfsVolume` an NTFS volume (block device or volume image) read
   * through NTFS-3G with its security descriptors, excluding what `configFile` lists (wimlib's capture
   * configuration format) or else what Windows' own capture excludes (pagefile.sys, hiberfil.sys,
   * System Volume Information, …).
   */
  async addImage(source: string, name: string, options: { description?: string; ntfsVolume?: boolean; configFile?: string; signal?: AbortSignal } = {}): Promise<number> {
    const config = options.configFile ?? null;
    const flags = options.ntfsVolume ? WIMLIB.ADD_FLAG_NTFS | (config === null ? WIMLIB.ADD_FLAG_WINCONFIG : 0) : WIMLIB.ADD_FLAG_NO_ACLS;
    await this.runAsync('wimlib_add_image', options, (w, h, done) => w.add_image.async(h, source, name, config, flags, done), source);
    const index = this.rawInfo().image_count;
    if (options.description !== undefined) this.setImageProperty(index, 'DESCRIPTION', options.description);
    return index;
  }

  /** Exports image `index` into `dest` (file data is copied when `dest` is written). */
  exportImage(index: number, dest: WimFile, options: { name?: string; description?: string } = {}): number {
    this.checkIndex(index);
    const destHandle = dest.use();
    this.call('wimlib_export_image', (w, h) => w.export_image(h, index, destHandle, options.name ?? null, options.description ?? null, 0));
    dest.exportSources.add(this);
    return dest.rawInfo().image_count;
  }

  async write(path: string, options: WriteOptions = {}): Promise<void> {
    const flags = (options.integrityTable ? WIMLIB.WRITE_FLAG_CHECK_INTEGRITY : 0) | (options.retainGuid ? WIMLIB.WRITE_FLAG_RETAIN_GUID : 0);
    await this.runAsync('wimlib_write', options, (w, h, done) => w.write.async(h, path, WIMLIB.ALL_IMAGES, flags, options.threads ?? 0, done), path);
  }

  async extractImage(index: number, targetDir: string, options: LongOperationOptions = {}): Promise<void> {
    this.checkIndex(index);
    await this.runAsync('wimlib_extract_image', options, (w, h, done) => w.extract_image.async(h, index, targetDir, WIMLIB.EXTRACT_FLAG_NO_ACLS, done));
  }

  /** Reads every image's metadata and every file's data and checks its SHA-1 (wimlib_verify_wim). */
  async verify(options: LongOperationOptions = {}): Promise<void> {
    await this.runAsync('wimlib_verify_wim', options, (w, h, done) => w.verify_wim.async(h, 0, done));
  }

  private use(): WimHandle {
    if (this.handle === null) throw new Error('WimFile used after close()');
    if (this.busy) throw new Error('WimFile used while a libwim operation is running on it');
    return this.handle;
  }

  private rawInfo(): WimInfoStruct {
    const out: Partial<WimInfoStruct> = {};
    this.call('wimlib_get_wim_info', (w, h) => w.get_wim_info(h, out));
    return out as WimInfoStruct;
  }

  private checkIndex(index: number): void {
    const count = this.rawInfo().image_count;
    if (!Number.isInteger(index) || index < 1 || index > count) {
      throw new InputError({ file: this.path, path: 'index', message: `image index ${index} does not exist; this WIM holds images 1..${count}` });
    }
  }

  private call(operation: string, fn: (w: ReturnType<typeof libwim>, h: WimHandle) => number): void {
    const w = libwim();
    const rc = fn(w, this.use());
    if (rc !== 0) throw new WimlibError(operation, rc, w.get_error_string(rc), this.path);
  }

  /** Runs a libwim call on a koffi worker thread with this WIM's progress function registered. */
  private async runAsync(
    operation: string,
    options: LongOperationOptions,
    start: (w: ReturnType<typeof libwim>, h: WimHandle, done: (err: unknown, rc: number) => void) => void,
    file = this.path,
  ): Promise<void> {
    const w = libwim();
    const h = this.use();
    const involved = [this, ...this.exportSources];
    for (const wim of involved) wim.busy = true;
    try {
      const rc = await withProgress(options, (progress) => {
        w.register_progress_function(h, progress, null);
        return new Promise<number>((resolveRc, reject) => start(w, h, (err, rc) => (err ? reject(err) : resolveRc(rc))));
      });
      if (rc !== 0) throw new WimlibError(operation, rc, w.get_error_string(rc), file);
    } finally {
      for (const wim of involved) wim.busy = false;
      w.register_progress_function(h, null, null);
    }
  }
}

/**
 * Gives `run` a libwim progress function for the duration of one worker-thread call. libwim
 * calls it on the worker; koffi queues it to the main thread. Returning ABORT there is how an
 * AbortSignal (or an exception in onProgress) stops libwim; the call then rejects with it.
 */
async function withProgress(options: LongOperationOptions, run: (progress: bigint) => Promise<number>): Promise<number> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  let thrown: { error: unknown } | undefined;
  const progress = koffi.register((msg: number, info: bigint | null) => {
    if (signal?.aborted || thrown) return WIMLIB.PROGRESS_STATUS_ABORT;
    const p = info !== null && onProgress ? readProgress(msg, info) : undefined;
    try {
      if (p) onProgress?.(p);
    } catch (error) {
      // koffi would swallow it; stop libwim and rethrow it from the operation instead.
      thrown = { error };
      return WIMLIB.PROGRESS_STATUS_ABORT;
    }
    return WIMLIB.PROGRESS_STATUS_CONTINUE;
  }, koffi.pointer(ProgressCallback));
  try {
    const rc = await run(progress);
    if (rc === WIMLIB.ERR_ABORTED_BY_PROGRESS && thrown) throw thrown.error;
    if (rc === WIMLIB.ERR_ABORTED_BY_PROGRESS && signal?.aborted) throw signal.reason;
    return rc;
  } finally {
    koffi.unregister(progress);
  }
}

/** Byte progress from the union wimlib_progress_info, for the messages osdlab reports. */
function readProgress(msg: number, info: bigint): WimProgress | undefined {
  const u64 = (offset: number) => Number(koffi.decode(info, offset, 'uint64_t'));
  switch (msg) {
    case PROGRESS_MSG.WRITE_STREAMS: // total_bytes, total_streams, completed_bytes
      return { phase: 'write', totalBytes: u64(0), completedBytes: u64(16) };
    case PROGRESS_MSG.EXTRACT_STREAMS: // image, extract_flags, 4 pointers, total_bytes, completed_bytes
      return { phase: 'extract', totalBytes: u64(40), completedBytes: u64(48) };
    case PROGRESS_MSG.VERIFY_STREAMS: // wimfile, total_streams, total_bytes, completed_streams, completed_bytes
      return { phase: 'verify', totalBytes: u64(16), completedBytes: u64(32) };
    case PROGRESS_MSG.VERIFY_INTEGRITY:
    case PROGRESS_MSG.CALC_INTEGRITY: // total_bytes, completed_bytes
      return { phase: 'integrity', totalBytes: u64(0), completedBytes: u64(8) };
    default:
      return undefined;
  }
}

/** Field addresses relative to a dentry pointer, as BigInt once rather than per entry. */
const AT = {
  attributes: BigInt(DIR_ENTRY_LAYOUT.attributes),
  depth: BigInt(DIR_ENTRY_LAYOUT.depth),
  links: BigInt(DIR_ENTRY_LAYOUT.numLinks),
  namedStreams: BigInt(DIR_ENTRY_LAYOUT.numNamedStreams),
  hardLinkGroupId: BigInt(DIR_ENTRY_LAYOUT.hardLinkGroupId),
  lastWriteTime: BigInt(DIR_ENTRY_LAYOUT.lastWriteTime),
  lastWriteTimeNsec: BigInt(DIR_ENTRY_LAYOUT.lastWriteTime + 8),
  size: BigInt(DIR_ENTRY_LAYOUT.size + DIR_ENTRY_LAYOUT.streamSizeField),
};
const SHA1 = koffi.array('uint8_t', 20, 'Typed');

/**
 * Reads one entry with scalar reads at known offsets: the cheapest way through koffi (a view or
 * a struct decode per entry costs several times more). Per entry this runs once per file of
 * the image, so the details are read only when asked for.
 */
function readDirEntry(dentry: bigint, details: boolean): WimDirEntry {
  const attributes = koffi.decode.uint32(dentry + AT.attributes);
  const entry: WimDirEntry = {
    path: (koffi.decode(dentry, DIR_ENTRY_LAYOUT.fullPath, 'const char *') as string | null) ?? '/',
    attributes,
    directory: (attributes & WIMLIB.FILE_ATTRIBUTE_DIRECTORY) !== 0,
    sizeBytes: Number(koffi.decode.uint64(dentry + AT.size)),
  };
  if (!details) return entry;
  const sha1 = koffi.decode(dentry, DIR_ENTRY_LAYOUT.size + DIR_ENTRY_LAYOUT.streamSha1, SHA1) as Uint8Array;
  entry.details = {
    depth: Number(koffi.decode.uint64(dentry + AT.depth)),
    sha1: sha1.some((b) => b !== 0) ? guidHex(sha1) : undefined,
    lastWriteTimeNs: BigInt(koffi.decode.int64(dentry + AT.lastWriteTime)) * 1_000_000_000n + BigInt(koffi.decode.long(dentry + AT.lastWriteTimeNsec)),
    links: koffi.decode.uint32(dentry + AT.links),
    hardLinkGroupId: BigInt(koffi.decode.uint64(dentry + AT.hardLinkGroupId)),
    namedStreams: koffi.decode.uint32(dentry + AT.namedStreams),
  };
  return entry;
}
