// The client cache (ccmcache in the full OS, the task-sequence cache _SMSTaskSequence in
// WinPE): a size limit, oldest-first eviction that skips locked packages, no partial placement
// (osd-behaviours §4.3), and it lives on a volume, so repartitioning that disk wipes it.

import type { Disk } from './disk/disk.js';
import type { Volume } from './disk/volume.js';

export interface CacheEntry {
  packageId: string;
  bytes: number;
  lastUsedMs: number;
  locked: boolean;
}

export interface CacheLocation {
  disk: Disk;
  volume: Volume;
  /** Folder on the volume, e.g. "\windows\ccmcache" or "\_smstasksequence\packages". */
  folder: string;
  /** Drive letter path as the running environment shows it. */
  path: string;
}

export type CachePlacement =
  | { ok: true; path: string; evicted: string[] }
  | { ok: false; reason: 'tooSmall' | 'lockedContent' | 'volumeFull'; message: string };

export class ClientCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly diskGeneration: number;

  constructor(
    readonly location: CacheLocation,
    /** Configured cache size; the volume's free space bounds it too. */
    readonly limitBytes: number,
  ) {
    this.diskGeneration = location.disk.generation;
  }

  /** False once the disk holding the cache was repartitioned: the cache and its content are gone. */
  get intact(): boolean {
    return this.location.disk.generation === this.diskGeneration;
  }

  get usedBytes(): number {
    let used = 0;
    for (const e of this.entries.values()) used += e.bytes;
    return used;
  }

  list(): CacheEntry[] {
    return this.intact ? [...this.entries.values()].map((e) => ({ ...e })) : [];
  }

  has(packageId: string): boolean {
    return this.intact && this.entries.has(packageId);
  }

  pathOf(packageId: string): string {
    return `${this.location.path}\\${packageId}`;
  }

  /** A locked package (in use by a running program or deployment) is never evicted. */
  setLocked(packageId: string, locked: boolean): void {
    const e = this.entries.get(packageId);
    if (e) e.locked = locked;
  }

  touch(packageId: string, nowMs: number): void {
    const e = this.entries.get(packageId);
    if (e) e.lastUsedMs = nowMs;
  }

  /** Makes room for a whole package (evicting oldest unlocked entries) and records it, or fails leaving the cache untouched. */
  place(packageId: string, bytes: number, nowMs: number): CachePlacement {
    if (!this.intact) return { ok: false, reason: 'volumeFull', message: 'the cache volume no longer exists (disk repartitioned)' };
    const existing = this.entries.get(packageId);
    if (existing) {
      existing.lastUsedMs = nowMs;
      return { ok: true, path: this.pathOf(packageId), evicted: [] };
    }
    if (bytes > this.limitBytes) {
      return { ok: false, reason: 'tooSmall', message: `package ${packageId} needs ${bytes} bytes, the cache holds at most ${this.limitBytes}` };
    }
    const free = Math.min(this.limitBytes - this.usedBytes, this.location.volume.freeBytes);
    const victims: CacheEntry[] = [];
    let reclaimable = free;
    if (free < bytes) {
      const oldestFirst = [...this.entries.values()].filter((e) => !e.locked).sort((a, b) => a.lastUsedMs - b.lastUsedMs);
      for (const e of oldestFirst) {
        if (reclaimable >= bytes) break;
        victims.push(e);
        reclaimable += e.bytes;
      }
    }
    if (reclaimable < bytes) {
      const locked = [...this.entries.values()].filter((e) => e.locked).map((e) => e.packageId);
      const reason = this.location.volume.freeBytes + this.usedBytes < bytes ? 'volumeFull' : locked.length > 0 ? 'lockedContent' : 'tooSmall';
      const detail = locked.length > 0 ? `; locked packages kept: ${locked.join(', ')}` : '';
      return { ok: false, reason, message: `not enough space in the cache for ${packageId} (${bytes} bytes, ${reclaimable} can be freed${detail})` };
    }
    for (const v of victims) {
      this.entries.delete(v.packageId);
      this.location.volume.remove(`${this.location.folder}\\${v.packageId}`);
    }
    const written = this.location.volume.writeFile(`${this.location.folder}\\${packageId}\\content`, bytes);
    if (!written.ok) return { ok: false, reason: 'volumeFull', message: `the cache volume is full (${packageId}, ${bytes} bytes)` };
    this.entries.set(packageId, { packageId, bytes, lastUsedMs: nowMs, locked: false });
    return { ok: true, path: this.pathOf(packageId), evicted: victims.map((v) => v.packageId) };
  }
}
