// Formats a volume of a disk image with the real tools (mkfs.vfat, mkntfs), as a quick format:
// the file system is made in a scratch file of the volume's size and copied into the image, so it
// works on any image format and never needs a loop device. The boot sector's hidden-sectors field
// is the volume's start, as Windows' format writes it.
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { FileSystem } from '../../../harness/index.js';
import { SECTOR, type DiskImage } from './disk-image.js';

export interface VolumeFormat {
  offsetBytes: number;
  sizeBytes: number;
  fileSystem: FileSystem;
  label?: string;
}

/** Makes the file system of `volume` in the scratch file `file` (created at the volume's size). */
export async function makeFileSystem(file: string, volume: VolumeFormat, signal?: AbortSignal): Promise<void> {
  const handle = await open(file, 'w');
  await handle.truncate(volume.sizeBytes);
  await handle.close();
  const hidden = String(volume.offsetBytes / SECTOR);
  if (volume.fileSystem === 'fat32') {
    // FAT labels are upper case and at most 11 characters, as Windows' format makes them.
    const label = volume.label ? ['-n', volume.label.toUpperCase().slice(0, 11)] : [];
    await execa('mkfs.vfat', ['-F', '32', '-h', hidden, ...label, file], { cancelSignal: signal });
  } else {
    const label = volume.label ? ['-L', volume.label] : [];
    await execa('mkntfs', ['-F', '-Q', '-q', '-s', String(SECTOR), '-p', hidden, '-S', '63', '-H', '255', ...label, file], { cancelSignal: signal });
  }
}

export async function formatVolumes(image: DiskImage, volumes: VolumeFormat[], signal?: AbortSignal): Promise<void> {
  if (volumes.length === 0) return;
  const scratch = await mkdtemp(join(tmpdir(), 'osdlab-format-'));
  try {
    for (const v of volumes) {
      signal?.throwIfAborted();
      const file = join(scratch, 'volume.img');
      await makeFileSystem(file, v, signal);
      await image.writeFile(v.offsetBytes, file);
      await rm(file);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
