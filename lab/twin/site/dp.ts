// Distribution points: which packages each holds, how many clients it serves at once, and how
// fast; plus the content-location rules a client applies to pick one (osd-behaviours §4.1–4.2).

import type { Simulator, Deferred } from '../simulator.js';

export interface DistributionPointConfig {
  id: string;
  /** Site (boundary) the DP belongs to. */
  site: string;
  /** Package IDs distributed to it at the start. */
  packages: string[];
  /** Concurrent client connections served; more wait their turn. Default: unlimited. */
  maxConnections?: number;
  /** What the DP can serve in total (NIC, disk, CPU), bits/s: its link to the site. Default 1 Gb/s. */
  servingRateBps?: number;
  /** A protected DP serves only clients in its own site's boundaries. */
  protected?: boolean;
}

export class DistributionPoint {
  private readonly content: Set<string>;
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly config: DistributionPointConfig) {
    this.content = new Set(config.packages);
  }

  get id(): string {
    return this.config.id;
  }

  /** Network node of the DP in the topology. */
  get node(): string {
    return `dp:${this.config.id}`;
  }

  has(packageId: string): boolean {
    return this.content.has(packageId);
  }

  addContent(packageId: string): void {
    this.content.add(packageId);
  }

  /** Waits for a free connection slot; the returned function gives it back. */
  async connect(sim: Simulator, signal?: AbortSignal): Promise<() => void> {
    const limit = this.config.maxConnections ?? Infinity;
    if (this.busy >= limit) {
      const turn: Deferred<void> = sim.deferred();
      const take = () => {
        unwatch();
        turn.resolve();
      };
      const unwatch = sim.whenAborted(signal, () => {
        this.waiting.splice(this.waiting.indexOf(take), 1);
        turn.reject(signal!.reason);
      });
      this.waiting.push(take);
      await turn.promise;
    } else {
      this.busy++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.busy--;
    };
  }
}

export interface ContentLookup {
  /** Use DPs outside the client's site when no local DP has the content. */
  allowRemote: boolean;
  /** Clients of a site with protected DPs may fall back to unprotected DPs. */
  allowUnprotected: boolean;
}

/** What the content-location rules need of a DP: the twin's model and the real HTTP DP alike. */
export interface ContentLocationCandidate {
  readonly id: string;
  readonly config: { readonly site: string; readonly protected?: boolean };
  has(packageId: string): boolean;
}

/**
 * Distribution points a client in `site` may use for `packageId`, best first. Local DPs come
 * first; remote ones only when allowed, nearest first. Clients in a site that has protected
 * DPs use only those, unless fallback to unprotected DPs is allowed.
 */
export function contentLocations<T extends ContentLocationCandidate>(
  packageId: string,
  site: string,
  dps: readonly T[],
  lookup: ContentLookup,
  distance: (dp: T) => number,
): T[] {
  const withContent = dps.filter((dp) => dp.has(packageId));
  const protectedHere = dps.filter((dp) => dp.config.site === site && dp.config.protected);
  if (protectedHere.length > 0) {
    const ok = withContent.filter((dp) => dp.config.site === site && dp.config.protected);
    if (ok.length > 0 || !lookup.allowUnprotected) return ok;
  }
  const local = withContent.filter((dp) => dp.config.site === site && !dp.config.protected);
  if (local.length > 0 || !lookup.allowRemote) return local;
  return withContent
    .filter((dp) => dp.config.site !== site && !dp.config.protected)
    .sort((a, b) => distance(a) - distance(b) || a.id.localeCompare(b.id));
}

/** Why "Download all content locally before starting" cannot be used (osd-behaviours §4.2), or undefined. */
export function downloadAllRefusal(launch: 'pxe' | 'media' | 'os', repartitionsCacheDisk: boolean): string | undefined {
  if (launch !== 'os') return `"Download all contents locally before starting the task sequence" cannot be used when the deployment is available to ${launch === 'pxe' ? 'PXE' : 'boot media'}`;
  if (repartitionsCacheDisk) return '"Download all contents locally before starting the task sequence" cannot be used: a Format and Partition Disk step repartitions the disk that holds the client cache';
  return undefined;
}
