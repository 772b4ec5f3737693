// A formatted volume: file system, capacity, used space and a file tree with sizes. Paths are
// kept relative to the volume root, case-insensitive, with backslashes ("\windows\system32").

import type { FileInfo, FileSystem } from '../../../harness/index.js';
import { FAT32_MAX_FILE_BYTES, MIB } from './partition-types.js';

export type WriteResult = { ok: true } | { ok: false; reason: 'diskFull' | 'fileTooLarge' };

interface Entry {
  directory: boolean;
  sizeBytes: number;
}

export function normalizePath(path: string): string {
  const p = path.replace(/\//g, '\\').replace(/^[a-z]:/i, '').toLowerCase();
  const trimmed = p.replace(/\\+$/, '');
  return trimmed.startsWith('\\') ? trimmed : `\\${trimmed}`;
}

/** Space the file system's own structures take (MFT and log; two FATs). */
function metadataBytes(fileSystem: FileSystem, capacityBytes: number): number {
  if (fileSystem === 'ntfs') return Math.min(capacityBytes, Math.max(8 * MIB, Math.round(capacityBytes * 0.002)));
  const cluster = capacityBytes <= 8 * 1024 * MIB ? 4096 : capacityBytes <= 16 * 1024 * MIB ? 8192 : 16384;
  return Math.min(capacityBytes, 2 * 4 * Math.ceil(capacityBytes / cluster));
}

export class Volume {
  private readonly files = new Map<string, Entry>();
  private used: number;

  constructor(
    readonly fileSystem: FileSystem,
    readonly capacityBytes: number,
    public label: string | undefined,
  ) {
    this.used = metadataBytes(fileSystem, capacityBytes);
  }

  get usedBytes(): number {
    return this.used;
  }

  get freeBytes(): number {
    return this.capacityBytes - this.used;
  }

  writeFile(path: string, sizeBytes: number): WriteResult {
    const key = normalizePath(path);
    if (this.fileSystem === 'fat32' && sizeBytes > FAT32_MAX_FILE_BYTES) return { ok: false, reason: 'fileTooLarge' };
    const previous = this.files.get(key)?.sizeBytes ?? 0;
    if (sizeBytes - previous > this.freeBytes) return { ok: false, reason: 'diskFull' };
    this.used += sizeBytes - previous;
    this.files.set(key, { directory: false, sizeBytes });
    for (let dir = parentOf(key); dir !== '\\' && !this.files.has(dir); dir = parentOf(dir)) {
      this.files.set(dir, { directory: true, sizeBytes: 0 });
    }
    return { ok: true };
  }

  /** Removes a file or a whole folder; returns the bytes freed. */
  remove(path: string): number {
    const key = normalizePath(path);
    let freed = 0;
    for (const [p, e] of this.files) {
      if (p === key || p.startsWith(`${key}\\`)) {
        freed += e.sizeBytes;
        this.files.delete(p);
      }
    }
    this.used -= freed;
    return freed;
  }

  /** Deletes everything except the paths `keep` accepts (Apply Operating System's wipe). */
  wipe(keep: (path: string) => boolean = () => false): void {
    for (const [p, e] of this.files) {
      if (keep(p)) continue;
      this.used -= e.sizeBytes;
      this.files.delete(p);
    }
  }

  exists(path: string): boolean {
    return this.files.has(normalizePath(path));
  }

  info(path: string): FileInfo {
    const entry = this.files.get(normalizePath(path));
    if (!entry) return { exists: false, directory: false };
    return entry.directory ? { exists: true, directory: true } : { exists: true, directory: false, sizeBytes: entry.sizeBytes };
  }

  /** Every file (not folder) with its size, by normalised path (\windows\system32\…). */
  listFiles(): [string, number][] {
    return [...this.files].filter(([, e]) => !e.directory).map(([p, e]) => [p, e.sizeBytes]);
  }

  /** Total size of the files under a folder. */
  sizeOf(path: string): number {
    const key = normalizePath(path);
    let total = 0;
    for (const [p, e] of this.files) if (p === key || p.startsWith(`${key}\\`)) total += e.sizeBytes;
    return total;
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('\\');
  return i <= 0 ? '\\' : path.slice(0, i);
}
