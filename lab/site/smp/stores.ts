// The user-state stores of a state migration point on disk: one folder per source computer in
// one of the SMP's folders, holding the sealed state and a small record (association, size,
// release and deletion time). Records are written atomically; a restarted SMP finds its stores.

import { mkdir, open, readdir, readFile, rename, rm, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface SmpFolder {
  /** Host folder (the "storage drive or local path"). */
  path: string;
  maxClients: number;
  /** Below this free space the folder takes no new captures (the SMP's "healthy" threshold). */
  minFreeBytes: number;
}

export interface StoreRecord {
  /** Computer the state was captured from. */
  source: string;
  /** Computer allowed to restore it: the association's destination, or the source (refresh). */
  destination: string;
  associationId: string;
  folder: string;
  bytes: number;
  sha256: string;
  capturedAt: string;
  /** Set by Release State Store after a restore. */
  releasedAt?: string;
  /** When the released store is deleted (ms since the epoch). */
  deleteAt?: number;
}

export const STATE_FILE = 'state.osdlab';
const RECORD_FILE = 'store.json';

export class UserStateStores {
  readonly folders: SmpFolder[];
  private readonly records = new Map<string, StoreRecord>();

  constructor(folders: readonly SmpFolder[]) {
    this.folders = folders.map((f) => ({ ...f, path: resolve(f.path) }));
  }

  /** Creates the folders and reads the stores already in them. */
  async load(): Promise<void> {
    for (const folder of this.folders) {
      await mkdir(folder.path, { recursive: true });
      for (const name of await readdir(folder.path)) {
        const text = await readFile(join(folder.path, name, RECORD_FILE), 'utf8').catch(() => undefined);
        if (text) {
          const record = JSON.parse(text) as StoreRecord;
          this.records.set(record.source, record);
        }
      }
    }
  }

  get(source: string): StoreRecord | undefined {
    return this.records.get(source);
  }

  all(): StoreRecord[] {
    return [...this.records.values()];
  }

  async freeBytes(folder: SmpFolder): Promise<number> {
    const s = await statfs(folder.path);
    return s.bavail * s.bsize;
  }

  /** Folder of a source computer's store in `folder` (created). */
  async storeDir(folder: SmpFolder, source: string): Promise<string> {
    const dir = join(folder.path, encodeURIComponent(source));
    await mkdir(dir, { recursive: true });
    return dir;
  }

  dataPath(record: Pick<StoreRecord, 'folder' | 'source'>): string {
    return join(record.folder, encodeURIComponent(record.source), STATE_FILE);
  }

  async save(record: StoreRecord): Promise<void> {
    const dir = join(record.folder, encodeURIComponent(record.source));
    const temp = join(dir, `.record-${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(JSON.stringify(record));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, join(dir, RECORD_FILE));
    this.records.set(record.source, record);
  }

  async remove(source: string): Promise<void> {
    const record = this.records.get(source);
    if (!record) return;
    this.records.delete(source);
    await rm(join(record.folder, encodeURIComponent(record.source)), { recursive: true, force: true });
  }

  /** Deletes released stores whose time has come; returns their records. */
  async sweep(nowMs: number): Promise<StoreRecord[]> {
    const due = this.all().filter((r) => r.deleteAt !== undefined && r.deleteAt <= nowMs);
    for (const r of due) await this.remove(r.source);
    return due;
  }
}
