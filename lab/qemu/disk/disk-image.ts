// Byte-range access to a machine's disk image. Raw images are read and written in place; other
// formats (qcow2) go through qemu-img with a raw window (driver=raw,offset,size) over the image,
// so only the ranges asked for are read or written, however large the disk.
import { mkdtemp, open, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const SECTOR = 512;

export interface DiskImage {
  readonly path: string;
  readonly format: string;
  readonly sizeBytes: number;
  read(offsetBytes: number, length: number): Promise<Buffer>;
  write(offsetBytes: number, data: Buffer): Promise<void>;
  /** Copies a whole file into the image at an offset; zero blocks become zeroes in the image. */
  writeFile(offsetBytes: number, sourcePath: string): Promise<void>;
  close(): Promise<void>;
}

interface ImageInfo {
  format: string;
  'virtual-size': number;
}

async function imageInfo(path: string, signal?: AbortSignal): Promise<ImageInfo> {
  const { stdout } = await execa('qemu-img', ['info', '--output=json', path], { cancelSignal: signal });
  return JSON.parse(stdout) as ImageInfo;
}

/** qemu-img target options addressing bytes [offset, offset+size) of the image as a raw disk. */
function window(path: string, format: string, offsetBytes: number, size: number): string {
  // QEMU option strings double a comma that belongs to a value.
  const name = path.replaceAll(',', ',,');
  const file = format === 'raw' ? `file.driver=file,file.filename=${name}` : `file.driver=${format},file.file.driver=file,file.file.filename=${name}`;
  return `driver=raw,offset=${offsetBytes},size=${size},${file}`;
}

function checkRange(image: { path: string; sizeBytes: number }, offsetBytes: number, length: number): void {
  if (offsetBytes < 0 || length < 0 || offsetBytes + length > image.sizeBytes) {
    throw new RangeError(`${image.path}: bytes ${offsetBytes}..${offsetBytes + length} lie outside the ${image.sizeBytes}-byte disk`);
  }
}

async function copyIntoImage(path: string, format: string, offsetBytes: number, sourcePath: string, sourceSize: number, signal?: AbortSignal): Promise<void> {
  await execa('qemu-img', ['convert', '-n', '-f', 'raw', sourcePath, '--target-image-opts', window(path, format, offsetBytes, sourceSize)], { cancelSignal: signal });
}

class RawImage implements DiskImage {
  readonly format = 'raw';
  constructor(
    readonly path: string,
    readonly sizeBytes: number,
    private readonly handle: FileHandle,
    private readonly signal?: AbortSignal,
  ) {}

  async read(offsetBytes: number, length: number): Promise<Buffer> {
    checkRange(this, offsetBytes, length);
    const data = Buffer.alloc(length);
    await this.handle.read(data, 0, length, offsetBytes);
    return data;
  }

  async write(offsetBytes: number, data: Buffer): Promise<void> {
    checkRange(this, offsetBytes, data.length);
    await this.handle.write(data, 0, data.length, offsetBytes);
  }

  async writeFile(offsetBytes: number, sourcePath: string): Promise<void> {
    const { size } = await stat(sourcePath);
    checkRange(this, offsetBytes, size);
    await this.handle.sync();
    await copyIntoImage(this.path, 'raw', offsetBytes, sourcePath, size, this.signal);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Any format qemu-img knows; each access is one qemu-img run through a scratch directory. */
class QemuImage implements DiskImage {
  constructor(
    readonly path: string,
    readonly format: string,
    readonly sizeBytes: number,
    private readonly scratch: string,
    private readonly signal?: AbortSignal,
  ) {}

  async read(offsetBytes: number, length: number): Promise<Buffer> {
    checkRange(this, offsetBytes, length);
    if (length === 0) return Buffer.alloc(0);
    const out = join(this.scratch, 'read.bin');
    await execa('qemu-img', ['convert', '-O', 'raw', '--image-opts', window(this.path, this.format, offsetBytes, length), out], { cancelSignal: this.signal });
    return readFile(out);
  }

  async write(offsetBytes: number, data: Buffer): Promise<void> {
    const source = join(this.scratch, 'write.bin');
    await writeFile(source, data);
    await this.writeFile(offsetBytes, source);
  }

  async writeFile(offsetBytes: number, sourcePath: string): Promise<void> {
    const { size } = await stat(sourcePath);
    checkRange(this, offsetBytes, size);
    await copyIntoImage(this.path, this.format, offsetBytes, sourcePath, size, this.signal);
  }

  async close(): Promise<void> {
    await rm(this.scratch, { recursive: true, force: true });
  }
}

/** Opens a disk image of any format qemu-img reads; `writable` opens raw images for writing. */
export async function openDiskImage(path: string, options: { writable?: boolean; signal?: AbortSignal } = {}): Promise<DiskImage> {
  const info = await imageInfo(path, options.signal);
  if (info.format === 'raw') {
    const handle = await open(path, options.writable ? 'r+' : 'r');
    return new RawImage(path, info['virtual-size'], handle, options.signal);
  }
  const scratch = await mkdtemp(join(tmpdir(), 'osdlab-disk-'));
  return new QemuImage(path, info.format, info['virtual-size'], scratch, options.signal);
}

/** Runs `use` with the image open and closes it afterwards, also on failure. */
export async function withDiskImage<T>(path: string, options: { writable?: boolean; signal?: AbortSignal }, use: (image: DiskImage) => Promise<T>): Promise<T> {
  const image = await openDiskImage(path, options);
  try {
    return await use(image);
  } finally {
    await image.close();
  }
}
