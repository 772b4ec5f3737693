// State migration point (osd-behaviours §7.3–7.4): stores user state per computer, within its
// capacity, maximum clients and minimum free space; restore-only mode refuses captures;
// released stores are deleted immediately or after N days; restores go through the computer
// association (source → destination), or back to the same computer for a refresh.

import type { Simulator } from '../simulator.js';

export interface StateMigrationPointConfig {
  id: string;
  site: string;
  capacityBytes: number;
  maxClients: number;
  minFreeBytes: number;
  restoreOnly?: boolean;
  /** Days to keep a released store; 0 = delete immediately. Default 1 day. */
  deleteAfterDays?: number;
  /** Computer associations: source computer → destination computer. */
  associations?: Record<string, string>;
}

interface Store {
  owner: string;
  bytes: number;
  released: boolean;
}

export type SmpAnswer = { ok: true; storePath: string } | { ok: false; retryable: boolean; reason: string };

/** A state migration point folder's load, as the capture rules see it. */
export interface SmpFolderLoad {
  /** Computers connected (requested and not yet released). */
  clients: number;
  /** The asking computer is one of them already (a retried request). */
  alreadyConnected: boolean;
  maxClients: number;
  freeBytes: number;
  minFreeBytes: number;
}

/** Why Request State Store for capture is refused (restore-only, maximum clients, minimum free space), or undefined. */
export function captureRefusal(smpId: string, restoreOnly: boolean | undefined, load: SmpFolderLoad): { retryable: boolean; reason: string } | undefined {
  if (restoreOnly) return { retryable: false, reason: `state migration point ${smpId} is in restore-only mode` };
  if (load.clients >= load.maxClients && !load.alreadyConnected) {
    return { retryable: true, reason: `state migration point ${smpId} already serves ${load.maxClients} clients` };
  }
  if (load.freeBytes < load.minFreeBytes) return { retryable: true, reason: `state migration point ${smpId} has less than the minimum free space` };
  return undefined;
}

/** The computer whose store `computer` restores: the source of its computer association, or itself (refresh). */
export function stateSource(associations: Readonly<Record<string, string>> | undefined, computer: string): string {
  return Object.entries(associations ?? {}).find(([, dest]) => dest === computer)?.[0] ?? computer;
}

export class StateMigrationPoint {
  private readonly stores = new Map<string, Store>();
  private readonly connected = new Set<string>();

  constructor(
    private readonly sim: Simulator,
    readonly config: StateMigrationPointConfig,
  ) {}

  get usedBytes(): number {
    let used = 0;
    for (const s of this.stores.values()) used += s.bytes;
    return used;
  }

  storeOf(computer: string): Store | undefined {
    return this.stores.get(computer);
  }

  /** Request State Store for capture: reserve a store for this computer. */
  requestCapture(computer: string): SmpAnswer {
    const c = this.config;
    const refused = captureRefusal(c.id, c.restoreOnly, {
      clients: this.connected.size,
      alreadyConnected: this.connected.has(computer),
      maxClients: c.maxClients,
      freeBytes: c.capacityBytes - this.usedBytes,
      minFreeBytes: c.minFreeBytes,
    });
    if (refused) return { ok: false, ...refused };
    this.connected.add(computer);
    this.stores.set(computer, { owner: computer, bytes: 0, released: false });
    return { ok: true, storePath: this.pathOf(computer) };
  }

  /** Writes the captured state; fails when it would go below the minimum free space. */
  writeState(computer: string, bytes: number): SmpAnswer {
    const store = this.stores.get(computer);
    if (!store) return { ok: false, retryable: false, reason: `no state store was requested for ${computer}` };
    if (this.config.capacityBytes - this.usedBytes - bytes < this.config.minFreeBytes) {
      return { ok: false, retryable: false, reason: `state migration point ${this.config.id} is full` };
    }
    store.bytes += bytes;
    return { ok: true, storePath: this.pathOf(computer) };
  }

  /** Request State Store for restore: the store of the computer associated with this one (or its own). */
  requestRestore(computer: string): SmpAnswer & { source?: string; bytes?: number } {
    const source = stateSource(this.config.associations, computer);
    const store = this.stores.get(source);
    if (!store || store.released) {
      return { ok: false, retryable: false, reason: `no user state stored for ${computer} (no computer association or store)` };
    }
    this.connected.add(computer);
    return { ok: true, storePath: this.pathOf(source), source, bytes: store.bytes };
  }

  /** Release State Store: ends the connection; after a restore it starts the deletion timer. */
  release(computer: string, afterRestore: boolean): void {
    this.connected.delete(computer);
    if (!afterRestore) return;
    const source = stateSource(this.config.associations, computer);
    const store = this.stores.get(source);
    if (!store) return;
    store.released = true;
    const days = this.config.deleteAfterDays ?? 1;
    this.sim.after(days * 86_400_000, () => {
      if (this.stores.get(source) === store) this.stores.delete(source);
    });
  }

  private pathOf(computer: string): string {
    return `\\\\${this.config.id}\\SMPSTOREa$\\${computer}`;
  }
}
