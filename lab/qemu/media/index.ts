// Task-sequence media for the QEMU lab (docs/boot-media.md).
export {
  buildMedia,
  buildContentDisk,
  mediaSettings,
  MEDIA_LABEL,
  CONTENT_DISK_LABEL,
  MEDIA_SETTINGS_FILE,
  PACKAGE_FOLDER,
  MEDIA_TYPE,
  type MediaKind as QemuMediaKind,
  type MediaPackage,
  type BuildMediaOptions,
  type BuiltImage,
  type MediaSettings,
} from './build-media.js';
export { mediaGrubConfig, grubPasswordHash, MEDIA_PASSWORD_USER, MEDIA_PASSWORD_PROMPT, ARCHITECTURE_MISMATCH, type MediaGrubConfig } from './grub-config.js';
export { mountByLabelCommand } from './guest-mount.js';
