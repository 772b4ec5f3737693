// A newc ("070701") cpio writer: the format the Linux kernel unpacks as an initramfs.
// Deterministic (mtime 0, inode numbers by position), so equal inputs give equal bytes.

export type CpioEntry =
  | { kind: 'directory'; path: string; mode: number }
  | { kind: 'file'; path: string; mode: number; data: Buffer }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; mode: number; major: number; minor: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function record(ino: number, mode: number, nlink: number, data: Buffer, name: string, rdev: [number, number] = [0, 0]): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  return [header, nameBytes, pad4(header.length + nameBytes.length), data, pad4(data.length)];
}

/** Entry paths are written without a leading slash, as the kernel expects ("bin/busybox"). */
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    const name = e.path.replace(/^\/+/, '');
    const ino = i + 1;
    switch (e.kind) {
      case 'directory':
        parts.push(...record(ino, S_IFDIR | e.mode, 2, Buffer.alloc(0), name));
        break;
      case 'file':
        parts.push(...record(ino, S_IFREG | e.mode, 1, e.data, name));
        break;
      case 'symlink':
        parts.push(...record(ino, S_IFLNK | 0o777, 1, Buffer.from(e.target), name));
        break;
      case 'chardev':
        parts.push(...record(ino, S_IFCHR | e.mode, 1, Buffer.alloc(0), name, [e.major, e.minor]));
        break;
    }
  });
  parts.push(...record(0, 0, 1, Buffer.alloc(0), 'TRAILER!!!'));
  return Buffer.concat(parts);
}
