// The QEMU lab as the runner's LabBackend (docs/boot-media.md).
export { QemuBackend, type QemuBackendOptions } from './qemu-backend.js';
export { EXAMPLE_OS_IMAGE_SPEC } from './content.js';
