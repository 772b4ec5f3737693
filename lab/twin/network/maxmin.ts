// Max-min fair rates by progressive filling: every unfrozen flow grows at the same pace; when a
// link saturates, the flows crossing it freeze at the current level; a flow reaching its own
// cap (client limit, TCP window, loss) freezes there. Each round costs O(links), and caps are
// visited in sorted order, so one solve is O(links · rounds + flows · log flows).

/** Flows' paths in compressed form: flow f crosses links[start[f] .. start[f+1]). */
export interface FlowPaths {
  start: Int32Array;
  links: Int32Array;
}

export function toFlowPaths(paths: ReadonlyArray<ArrayLike<number>>): FlowPaths {
  const start = new Int32Array(paths.length + 1);
  paths.forEach((p, f) => (start[f + 1] = start[f]! + p.length));
  const links = new Int32Array(start[paths.length]!);
  paths.forEach((p, f) => links.set(Array.from(p), start[f]!));
  return { start, links };
}

/**
 * A solver's input built flow by flow into buffers reused across solves (a re-solve per virtual
 * instant must not allocate per flow): links are numbered 0..k-1 as they are added.
 */
export class MaxMinInput {
  private start = new Int32Array(16);
  private links = new Int32Array(16);
  private capacity = new Float64Array(16);
  private caps = new Float64Array(16);
  private flowCount = 0;
  private crossings = 0;
  private linkCount = 0;

  clear(): void {
    this.flowCount = 0;
    this.crossings = 0;
    this.linkCount = 0;
  }

  /** Adds a link of the given capacity; returns its number. */
  addLink(capacity: number): number {
    if (this.linkCount === this.capacity.length) this.capacity = grown(this.capacity);
    this.capacity[this.linkCount] = capacity;
    return this.linkCount++;
  }

  /** Starts the next flow, with its own cap (Infinity when none); its links follow with `cross`. */
  addFlow(cap: number): void {
    if (this.flowCount + 1 >= this.start.length) this.start = grown(this.start);
    if (this.flowCount === this.caps.length) this.caps = grown(this.caps);
    this.caps[this.flowCount++] = cap;
    this.start[this.flowCount] = this.crossings;
  }

  /** The flow added last crosses link `link`. */
  cross(link: number): void {
    if (this.crossings === this.links.length) this.links = grown(this.links);
    this.links[this.crossings++] = link;
    this.start[this.flowCount] = this.crossings;
  }

  /** Max-min fair rates of the flows in the order they were added (valid until the next solve with `ws`). */
  solve(ws: MaxMinWorkspace): Float64Array {
    this.start[0] = 0;
    return maxMinFair(
      this.capacity.subarray(0, this.linkCount),
      { start: this.start.subarray(0, this.flowCount + 1), links: this.links.subarray(0, this.crossings) },
      this.caps,
      ws,
    );
  }
}

function grown<T extends Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(2 * a.length);
  b.set(a);
  return b;
}

/** Scratch arrays reused across solves, so a solve allocates nothing in the steady state. */
export class MaxMinWorkspace {
  rate = new Float64Array(0);
  frozen = new Uint8Array(0);
  remaining = new Float64Array(0);
  active = new Int32Array(0);
  memberStart = new Int32Array(0);
  fill = new Int32Array(0);
  members = new Int32Array(0);

  ensure(flows: number, links: number, crossings: number): void {
    if (this.rate.length < flows) {
      this.rate = new Float64Array(2 * flows);
      this.frozen = new Uint8Array(2 * flows);
    }
    if (this.remaining.length < links + 1) {
      this.remaining = new Float64Array(2 * links + 1);
      this.active = new Int32Array(2 * links + 1);
      this.memberStart = new Int32Array(2 * links + 1);
      this.fill = new Int32Array(2 * links + 1);
    }
    if (this.members.length < crossings) this.members = new Int32Array(2 * crossings);
  }
}

/**
 * @param capacity capacity of each link (any rate unit)
 * @param paths for each flow, the links it crosses
 * @param caps for each flow, its own upper bound (Infinity when none)
 * @param ws scratch space; the returned rates live in it until the next solve with it
 */
export function maxMinFair(capacity: ArrayLike<number>, paths: FlowPaths, caps: ArrayLike<number>, ws = new MaxMinWorkspace()): Float64Array {
  const flowCount = paths.start.length - 1;
  const linkCount = capacity.length;
  const { start: pathStart, links: pathLinks } = paths;
  ws.ensure(flowCount, linkCount, pathLinks.length);
  const { rate, frozen, remaining, active, memberStart, fill, members } = ws;
  frozen.fill(0, 0, flowCount);
  active.fill(0, 0, linkCount);
  for (let l = 0; l < linkCount; l++) remaining[l] = capacity[l]!;
  for (let i = 0; i < pathLinks.length; i++) active[pathLinks[i]!]!++;

  // Flows per link, compressed, to freeze a saturated link's flows without a scan.
  memberStart[0] = 0;
  for (let l = 0; l < linkCount; l++) {
    memberStart[l + 1] = memberStart[l]! + active[l]!;
    fill[l] = memberStart[l]!;
  }
  for (let f = 0; f < flowCount; f++) {
    for (let i = pathStart[f]!; i < pathStart[f + 1]!; i++) members[fill[pathLinks[i]!]!++] = f;
  }

  const capped: number[] = [];
  for (let f = 0; f < flowCount; f++) if (caps[f]! < Infinity) capped.push(f);
  capped.sort((a, b) => caps[a]! - caps[b]! || a - b);
  let next = 0;
  let unfrozen = flowCount;

  const freeze = (f: number, r: number) => {
    rate[f] = r;
    frozen[f] = 1;
    unfrozen--;
    for (let i = pathStart[f]!; i < pathStart[f + 1]!; i++) {
      const l = pathLinks[i]!;
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
    while (next < capped.length && frozen[capped[next]!]) next++;
    if (next < capped.length && caps[capped[next]!]! <= level) {
      freeze(capped[next]!, caps[capped[next]!]!);
      continue;
    }
    if (bottleneck < 0) {
      // Only uncapped flows crossing no link are left: nothing bounds them.
      for (let f = 0; f < flowCount; f++) if (!frozen[f]) freeze(f, Infinity);
      break;
    }
    for (let i = memberStart[bottleneck]!; i < memberStart[bottleneck + 1]!; i++) {
      const f = members[i]!;
      if (!frozen[f]) freeze(f, level);
    }
  }
  return rate.subarray(0, flowCount);
}
