// Keys of stored user state: one AES-256 key per computer association, kept apart from the
// stores (ConfigMgr keeps it with the association in the site database; an admin with "View
// Recovery Information" can read it, osd-behaviours §7.4–7.5). Never in an SMP folder.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve, isAbsolute } from 'node:path';

export interface SmpKeyStore {
  get(associationId: string): Promise<Buffer | undefined>;
  /** The association's key, made on first use. */
  getOrCreate(associationId: string): Promise<Buffer>;
  delete(associationId: string): Promise<void>;
  /** Folder the keys are written to, if any (checked against the SMP folders). */
  readonly directory?: string;
}

/** Keys in memory: lost with the process (the stores can then not be read, as intended). */
export class MemoryKeyStore implements SmpKeyStore {
  private readonly keys = new Map<string, Buffer>();

  async get(id: string): Promise<Buffer | undefined> {
    return this.keys.get(id);
  }

  async getOrCreate(id: string): Promise<Buffer> {
    let key = this.keys.get(id);
    if (!key) this.keys.set(id, (key = randomBytes(32)));
    return key;
  }

  async delete(id: string): Promise<void> {
    this.keys.delete(id);
  }
}

/** Keys as files in a folder of their own (mode 0600), so an SMP restart can still restore. */
export class DirectoryKeyStore implements SmpKeyStore {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  async get(id: string): Promise<Buffer | undefined> {
    return readFile(this.file(id)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
  }

  async getOrCreate(id: string): Promise<Buffer> {
    const existing = await this.get(id);
    if (existing) return existing;
    const key = randomBytes(32);
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    await writeFile(this.file(id), key, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    return (await this.get(id))!;
  }

  async delete(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
  }

  private file(id: string): string {
    return join(this.directory, `${encodeURIComponent(id)}.key`);
  }
}

/** Whether `inner` is `outer` or inside it. */
export function isWithin(inner: string, outer: string): boolean {
  const rel = relative(resolve(outer), resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
