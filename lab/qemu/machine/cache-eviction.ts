// The client cache's eviction rule (osd-behaviours §4.3): when a package does not fit, delete the
// oldest packages if that frees enough; otherwise delete nothing and the download fails.

export interface CachedPackage {
  packageId: string;
  bytes: number;
  /** Last modification, seconds since the epoch: the package's age in the cache. */
  modified: number;
}

/** Packages to delete, oldest first, to free `shortfall` bytes; undefined when even all of them would not. */
export function evictionPlan(cached: CachedPackage[], shortfall: number): string[] | undefined {
  const evict: string[] = [];
  let freed = 0;
  for (const p of [...cached].sort((a, b) => a.modified - b.modified || a.packageId.localeCompare(b.packageId))) {
    if (freed >= shortfall) break;
    evict.push(p.packageId);
    freed += p.bytes;
  }
  return freed >= shortfall ? evict : undefined;
}

/** Guest command listing a cache folder's packages as "id bytes mtime" lines. */
export function cacheListing(dir: string): string {
  return `cd ${dir} 2>/dev/null && for p in *; do [ -d "$p" ] && echo "$p $(du -sk "$p" | cut -f1) $(stat -c %Y "$p")"; done; true`;
}

export function parseCacheListing(lines: string[], except: string): CachedPackage[] {
  return lines
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 3 && f[0] !== except)
    .map(([packageId, kb, mtime]) => ({ packageId: packageId!, bytes: Number(kb) * 1024, modified: Number(mtime) }));
}
