// The FFI surface of libwim.so.15 (wimlib 1.13, Debian's wimtools), declared through koffi.
// Only this module knows C layouts; wim-file.ts turns them into TypeScript values.
import koffi, { type LibraryHandle } from 'koffi';
import { EnvironmentError } from '../../scenarios/index.js';

/** wimlib.h constants used by osdlab. */
export const WIMLIB = {
  ALL_IMAGES: -1,
  OPEN_FLAG_CHECK_INTEGRITY: 0x1,
  WRITE_FLAG_CHECK_INTEGRITY: 0x1,
  WRITE_FLAG_RETAIN_GUID: 0x800,
  ITERATE_DIR_TREE_FLAG_RECURSIVE: 0x1,
  ITERATE_DIR_TREE_FLAG_CHILDREN: 0x2,
  ADD_FLAG_NTFS: 0x1,
  ADD_FLAG_NO_ACLS: 0x20,
  ADD_FLAG_WINCONFIG: 0x800,
  EXTRACT_FLAG_NO_ACLS: 0x40,
  CHANGE_GUID: 0x2,
  FILE_ATTRIBUTE_DIRECTORY: 0x10,
  PROGRESS_STATUS_CONTINUE: 0,
  PROGRESS_STATUS_ABORT: 1,
  ERR_OPEN: 47,
  ERR_PATH_DOES_NOT_EXIST: 49,
  ERR_ABORTED_BY_PROGRESS: 76,
} as const;

export const COMPRESSION = { none: 0, xpress: 1, lzx: 2, lzms: 3 } as const;
export type Compression = keyof typeof COMPRESSION;

/** enum wimlib_progress_msg values that osdlab reports. */
export const PROGRESS_MSG = {
  EXTRACT_STREAMS: 4,
  SCAN_DENTRY: 10,
  WRITE_STREAMS: 12,
  VERIFY_INTEGRITY: 16,
  CALC_INTEGRITY: 17,
  VERIFY_STREAMS: 29,
} as const;

/**
 * On Linux wimlib_timespec is the POSIX struct timespec (int64 + long: 16 bytes). The header's
 * 32-bit variant is for Windows only; with it the dir entry is 224 bytes and streams[] is read
 * from the wrong offset (every size comes out 0).
 */
const Timespec = koffi.struct('osdlab_wimlib_timespec', { tv_sec: 'int64_t', tv_nsec: 'long' });

// Types below are referenced by name in the function prototypes.
koffi.struct('osdlab_wimlib_wim_info', {
  guid: koffi.array('uint8_t', 16),
  image_count: 'uint32_t',
  boot_index: 'uint32_t',
  wim_version: 'uint32_t',
  chunk_size: 'uint32_t',
  part_number: 'uint16_t',
  total_parts: 'uint16_t',
  compression_type: 'int32_t',
  total_bytes: 'uint64_t',
  // C bit fields, least significant first: has_integrity_table, opened_from_file, is_readonly, ...
  flags: 'uint32_t',
  reserved: koffi.array('uint32_t', 9),
});

const ResourceEntry = koffi.struct('osdlab_wimlib_resource_entry', {
  uncompressed_size: 'uint64_t',
  compressed_size: 'uint64_t',
  offset: 'uint64_t',
  sha1_hash: koffi.array('uint8_t', 20),
  part_number: 'uint32_t',
  reference_count: 'uint32_t',
  flags: 'uint32_t',
  raw_resource_offset_in_wim: 'uint64_t',
  raw_resource_compressed_size: 'uint64_t',
  raw_resource_uncompressed_size: 'uint64_t',
  reserved: koffi.array('uint64_t', 1),
});

const StreamEntry = koffi.struct('osdlab_wimlib_stream_entry', {
  stream_name: 'const char *',
  resource: ResourceEntry,
  reserved: koffi.array('uint64_t', 4),
});

const DirEntry = koffi.struct('osdlab_wimlib_dir_entry', {
  filename: 'const char *',
  dos_name: 'const char *',
  full_path: 'const char *',
  depth: 'size_t',
  security_descriptor: 'const void *',
  security_descriptor_size: 'size_t',
  attributes: 'uint32_t',
  reparse_tag: 'uint32_t',
  num_links: 'uint32_t',
  num_named_streams: 'uint32_t',
  hard_link_group_id: 'uint64_t',
  creation_time: Timespec,
  last_write_time: Timespec,
  last_access_time: Timespec,
  unix_uid: 'uint32_t',
  unix_gid: 'uint32_t',
  unix_mode: 'uint32_t',
  unix_rdev: 'uint32_t',
  object_id: koffi.array('uint8_t', 64),
  creation_time_high: 'int32_t',
  last_write_time_high: 'int32_t',
  last_access_time_high: 'int32_t',
  reserved2: 'int32_t',
  reserved: koffi.array('uint64_t', 4),
  // streams[] (a flexible array member) follows; read through DIR_ENTRY_LAYOUT.
});

/** Byte offsets inside struct wimlib_dir_entry, for reading entries straight from native memory. */
export const DIR_ENTRY_LAYOUT = {
  size: koffi.sizeof(DirEntry),
  streamSize: koffi.sizeof(StreamEntry),
  fullPath: koffi.offsetof(DirEntry, 'full_path'),
  filename: koffi.offsetof(DirEntry, 'filename'),
  depth: koffi.offsetof(DirEntry, 'depth'),
  attributes: koffi.offsetof(DirEntry, 'attributes'),
  numLinks: koffi.offsetof(DirEntry, 'num_links'),
  numNamedStreams: koffi.offsetof(DirEntry, 'num_named_streams'),
  hardLinkGroupId: koffi.offsetof(DirEntry, 'hard_link_group_id'),
  lastWriteTime: koffi.offsetof(DirEntry, 'last_write_time'),
  /** Inside a stream entry. */
  streamName: koffi.offsetof(StreamEntry, 'stream_name'),
  streamSizeField: koffi.offsetof(StreamEntry, 'resource') + koffi.offsetof(ResourceEntry, 'uncompressed_size'),
  streamSha1: koffi.offsetof(StreamEntry, 'resource') + koffi.offsetof(ResourceEntry, 'sha1_hash'),
} as const;

koffi.pointer('osdlab_WIMStruct', koffi.opaque());
koffi.proto('int osdlab_wimlib_iterate_dir_tree_cb(const void *dentry, void *user_ctx)');
export const ProgressCallback = koffi.proto('int osdlab_wimlib_progress_cb(int msg, void *info, void *progctx)');

export type WimHandle = bigint;

export interface WimInfoStruct {
  guid: number[];
  image_count: number;
  boot_index: number;
  wim_version: number;
  chunk_size: number;
  part_number: number;
  total_parts: number;
  compression_type: number;
  total_bytes: number | bigint;
  flags: number;
}

/** A libwim function as koffi binds it: a direct call plus a worker-thread `.async` form. */
type Bound<A extends unknown[], R> = ((...args: A) => R) & { async: (...args: [...A, (err: unknown, result: R) => void]) => void };

export interface Libwim {
  version: string;
  open_wim: Bound<[path: string, flags: number, out: [WimHandle | null]], number>;
  open_wim_with_progress: Bound<[path: string, flags: number, out: [WimHandle | null], progress: bigint, ctx: null], number>;
  create_new_wim: Bound<[ctype: number, out: [WimHandle | null]], number>;
  free: Bound<[wim: WimHandle], void>;
  get_wim_info: Bound<[wim: WimHandle, out: Partial<WimInfoStruct>], number>;
  set_wim_info: Bound<[wim: WimHandle, info: WimInfoStruct, which: number], number>;
  get_image_name: Bound<[wim: WimHandle, image: number], string | null>;
  get_image_description: Bound<[wim: WimHandle, image: number], string | null>;
  get_image_property: Bound<[wim: WimHandle, image: number, name: string], string | null>;
  set_image_property: Bound<[wim: WimHandle, image: number, name: string, value: string | null], number>;
  iterate_dir_tree: Bound<[wim: WimHandle, image: number, path: string, flags: number, cb: (dentry: bigint, ctx: bigint | null) => number, ctx: null], number>;
  add_image: Bound<[wim: WimHandle, source: string, name: string, config: string | null, flags: number], number>;
  export_image: Bound<[src: WimHandle, image: number, dest: WimHandle, name: string | null, description: string | null, flags: number], number>;
  write: Bound<[wim: WimHandle, path: string, image: number, flags: number, threads: number], number>;
  verify_wim: Bound<[wim: WimHandle, flags: number], number>;
  extract_image: Bound<[wim: WimHandle, image: number, target: string, flags: number], number>;
  register_progress_function: Bound<[wim: WimHandle, fn: bigint | null, ctx: null], void>;
  get_error_string: Bound<[code: number], string>;
}

function bind(): Libwim {
  let lib: LibraryHandle;
  try {
    lib = koffi.load('libwim.so.15');
  } catch (err) {
    throw new EnvironmentError(`libwim (wimlib) cannot be loaded: ${(err as Error).message}`, 'bash scripts/setup.sh (installs wimtools)');
  }
  const f = (decl: string) => lib.func(decl) as never;
  const api: Libwim = {
    version: '',
    open_wim: f('int wimlib_open_wim(const char *wim_file, int open_flags, _Out_ osdlab_WIMStruct **wim_ret)'),
    open_wim_with_progress: f('int wimlib_open_wim_with_progress(const char *wim_file, int open_flags, _Out_ osdlab_WIMStruct **wim_ret, osdlab_wimlib_progress_cb *progfunc, void *progctx)'),
    create_new_wim: f('int wimlib_create_new_wim(int ctype, _Out_ osdlab_WIMStruct **wim_ret)'),
    free: f('void wimlib_free(osdlab_WIMStruct *wim)'),
    get_wim_info: f('int wimlib_get_wim_info(osdlab_WIMStruct *wim, _Out_ osdlab_wimlib_wim_info *info)'),
    set_wim_info: f('int wimlib_set_wim_info(osdlab_WIMStruct *wim, const osdlab_wimlib_wim_info *info, int which)'),
    get_image_name: f('const char *wimlib_get_image_name(osdlab_WIMStruct *wim, int image)'),
    get_image_description: f('const char *wimlib_get_image_description(osdlab_WIMStruct *wim, int image)'),
    get_image_property: f('const char *wimlib_get_image_property(osdlab_WIMStruct *wim, int image, const char *property_name)'),
    set_image_property: f('int wimlib_set_image_property(osdlab_WIMStruct *wim, int image, const char *property_name, const char *property_value)'),
    iterate_dir_tree: f('int wimlib_iterate_dir_tree(osdlab_WIMStruct *wim, int image, const char *path, int flags, osdlab_wimlib_iterate_dir_tree_cb *cb, void *user_ctx)'),
    add_image: f('int wimlib_add_image(osdlab_WIMStruct *wim, const char *source, const char *name, const char *config_file, int add_flags)'),
    export_image: f('int wimlib_export_image(osdlab_WIMStruct *src_wim, int src_image, osdlab_WIMStruct *dest_wim, const char *dest_name, const char *dest_description, int export_flags)'),
    write: f('int wimlib_write(osdlab_WIMStruct *wim, const char *path, int image, int write_flags, unsigned int num_threads)'),
    verify_wim: f('int wimlib_verify_wim(osdlab_WIMStruct *wim, int verify_flags)'),
    extract_image: f('int wimlib_extract_image(osdlab_WIMStruct *wim, int image, const char *target, int extract_flags)'),
    register_progress_function: f('void wimlib_register_progress_function(osdlab_WIMStruct *wim, osdlab_wimlib_progress_cb *progfunc, void *progctx)'),
    get_error_string: f('const char *wimlib_get_error_string(int code)'),
  };
  const getVersion = lib.func('uint32_t wimlib_get_version(void)') as unknown as () => number;
  const v = getVersion();
  api.version = `${v >>> 20}.${(v >>> 10) & 0x3ff}.${v & 0x3ff}`;
  const globalInit = lib.func('int wimlib_global_init(int init_flags)') as unknown as (flags: number) => number;
  const rc = globalInit(0);
  if (rc !== 0) throw new EnvironmentError(`wimlib_global_init failed: ${api.get_error_string(rc)}`);
  return api;
}

/**
 * The bound library, or the reason it could not be bound. Computed once at import (koffi type
 * names are process-global, so binding twice would fail); callers get the error on first use.
 */
const bound: { api: Libwim } | { error: Error } = (() => {
  try {
    if (DIR_ENTRY_LAYOUT.size !== 248) throw new Error(`struct wimlib_dir_entry is ${DIR_ENTRY_LAYOUT.size} bytes, expected 248`);
    return { api: bind() };
  } catch (err) {
    return { error: err as Error };
  }
})();

export function libwim(): Libwim {
  if ('error' in bound) throw bound.error;
  return bound.api;
}

