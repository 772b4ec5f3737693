// Max-min fair rates by progressive filling: every unfrozen flow grows at the same pace; when a
// link saturates, the flows crossing it freeze at the current level; a flow reaching its own
// cap (client limit, TCP window, loss) freezes there. Each round costs O(links), and caps are
// visited in sorted order, so one solve is O(links · rounds + flows · log flows).

/**
 * @param capacity capacity of each link (any rate unit)
 * @param paths for each flow, the indices of the links it crosses
 * @param caps for each flow, its own upper bound (Infinity when none)
 */
export function maxMinFair(
  capacity: ArrayLike<number>,
  paths: ReadonlyArray<ArrayLike<number>>,
  caps: ArrayLike<number>,
): Float64Array {
  const flowCount = paths.length;
  const linkCount = capacity.length;
  const rate = new Float64Array(flowCount);
  const frozen = new Uint8Array(flowCount);
  const remaining = Float64Array.from(capacity);
  const active = new Int32Array(linkCount);
  for (const path of paths) for (let i = 0; i < path.length; i++) active[path[i]!]!++;

  // Flows per link, compressed (CSR), to freeze a saturated link's flows without a scan.
  const start = new Int32Array(linkCount + 1);
  for (let l = 0; l < linkCount; l++) start[l + 1] = start[l]! + active[l]!;
  const fill = start.slice(0, linkCount);
  const members = new Int32Array(start[linkCount]!);
  paths.forEach((path, f) => {
    for (let i = 0; i < path.length; i++) members[fill[path[i]!]!++] = f;
  });

  const byCap = Array.from({ length: flowCount }, (_, f) => f).sort((a, b) => caps[a]! - caps[b]! || a - b);
  let next = 0;
  let unfrozen = flowCount;

  const freeze = (f: number, r: number) => {
    rate[f] = r;
    frozen[f] = 1;
    unfrozen--;
    const path = paths[f]!;
    for (let i = 0; i < path.length; i++) {
      const l = path[i]!;
      remaining[l] = Math.max(0, remaining[l]! - r);
      active[l]!--;
    }
  };

  while (unfrozen > 0) {
    let level = Infinity;
    let bottleneck = -1;
    for (let l = 0; l < linkCount; l++) {
      if (active[l] === 0) continue;
      const share = remaining[l]! / active[l]!;
      if (share < level) {
        level = share;
        bottleneck = l;
      }
    }
    while (next < flowCount && frozen[byCap[next]!]) next++;
    const capped = next < flowCount ? byCap[next]! : -1;
    if (capped >= 0 && caps[capped]! <= level) {
      freeze(capped, caps[capped]!);
      continue;
    }
    if (bottleneck < 0) {
      // Only uncapped flows crossing no link are left: nothing bounds them.
      for (let f = 0; f < flowCount; f++) if (!frozen[f]) freeze(f, Infinity);
      break;
    }
    for (let i = start[bottleneck]!; i < start[bottleneck + 1]!; i++) {
      const f = members[i]!;
      if (!frozen[f]) freeze(f, level);
    }
  }
  return rate;
}
