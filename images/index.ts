export { WimFile, WimlibError, type WimSummary, type WimImageInfo, type WimDirEntry, type WimDirEntryDetails, type DirTreeOptions, type WimProgress, type WriteOptions, type LongOperationOptions } from './wim/wim-file.js';
export { readWimImageSizes, type WimImageSize } from './wim/image-sizes.js';
export { type Compression } from './wim/libwim.js';
export { buildOsImage, DEFAULT_OS_IMAGE_CACHE, type BuildOsImageOptions, type BuiltOsImage } from './os-image/build.js';
export { loadOsImageSpec, parseOsImageSpec, type OsImageSpec, type OsImageEdition } from './os-image/spec.js';
export { wimContentHash } from './os-image/content-hash.js';
export { OS_VERSION_MARKER } from './os-image/windows-tree.js';
export { buildBootImage, newestKernelRelease, BOOT_IMAGE_TOOLS, type BootImage, type BootImageOptions } from './boot-image/build.js';
export { BOOT_IMAGE_DRIVERS, ALWAYS_INCLUDED_MODULES } from './boot-image/drivers.js';
