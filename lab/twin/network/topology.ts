// Sites, machines and servers as nodes; links between them with bandwidth, latency and loss.
// Every link is full duplex: each direction is its own capacity ("resource"), so a download
// and an upload on the same WAN link do not share bandwidth.

export interface TwinLink {
  id: string;
  from: string;
  to: string;
  /** Line rate in bits per second (each direction). */
  bandwidthBps: number;
  /** One-way latency in milliseconds. */
  latencyMs: number;
  /** Packet loss probability, 0..1. */
  loss?: number;
}

export interface Route {
  /** Directed resources crossed, in order (see Topology.resourceCapacityBps). */
  resources: Int32Array;
  /** Sum of one-way latencies. */
  latencyMs: number;
  /** Probability that a packet is lost somewhere on the route. */
  loss: number;
}

interface Edge {
  to: number;
  resource: number;
}

/** A breadth-first search from one node, resumable: what it found so far and where it stopped. */
interface Search {
  /** Node → the node it was reached from (the source → -1). */
  prev: Map<number, number>;
  /** Node → the resource it was reached over. */
  via: Map<number, number>;
  queue: number[];
  head: number;
}

export class Topology {
  private readonly nodeIndex = new Map<string, number>();
  private readonly adjacency: Edge[][] = [];
  private readonly links: TwinLink[] = [];
  private readonly routes = new Map<string, Route>();
  private readonly searches = new Map<number, Search>();

  hasNode(id: string): boolean {
    return this.nodeIndex.has(id);
  }

  addNode(id: string): void {
    if (this.nodeIndex.has(id)) return;
    this.nodeIndex.set(id, this.adjacency.length);
    this.adjacency.push([]);
  }

  addLink(link: TwinLink): void {
    if (!(link.bandwidthBps > 0)) throw new RangeError(`link ${link.id}: bandwidth must be positive`);
    this.addNode(link.from);
    this.addNode(link.to);
    const i = this.links.length;
    this.links.push(link);
    this.adjacency[this.node(link.from)]!.push({ to: this.node(link.to), resource: 2 * i });
    this.adjacency[this.node(link.to)]!.push({ to: this.node(link.from), resource: 2 * i + 1 });
    this.routes.clear();
    this.searches.clear();
  }

  get resourceCount(): number {
    return this.links.length * 2;
  }

  resourceCapacityBps(resource: number): number {
    return this.links[resource >> 1]!.bandwidthBps;
  }

  /** The link a resource is one direction of, and whether it is the reverse (to → from) direction. */
  resourceLink(resource: number): { link: TwinLink; reverse: boolean } {
    return { link: this.links[resource >> 1]!, reverse: (resource & 1) === 1 };
  }

  resourceName(resource: number): string {
    const link = this.links[resource >> 1]!;
    return resource & 1 ? `${link.id} (${link.to}→${link.from})` : `${link.id} (${link.from}→${link.to})`;
  }

  /** Fewest-hop route from `from` to `to` (ties: the link added first), or undefined. */
  route(from: string, to: string): Route | undefined {
    const key = `${from}\u0000${to}`;
    const cached = this.routes.get(key);
    if (cached) return cached;
    const src = this.node(from);
    const dst = this.node(to);
    const tree = this.searchUntil(src, dst);
    if (!tree.prev.has(dst)) return undefined;
    const resources: number[] = [];
    let latencyMs = 0;
    let delivered = 1;
    for (let n = dst; n !== src; n = tree.prev.get(n)!) {
      const r = tree.via.get(n)!;
      resources.push(r);
      const link = this.links[r >> 1]!;
      latencyMs += link.latencyMs;
      delivered *= 1 - (link.loss ?? 0);
    }
    resources.reverse();
    const route = { resources: Int32Array.from(resources), latencyMs, loss: 1 - delivered };
    this.routes.set(key, route);
    return route;
  }

  /**
   * Breadth-first search from a source, carried on only until `dst` is found and kept to resume:
   * a DP's routes to the clients of its own site cost a few hundred steps, not a walk of all 10^5
   * machines, and nothing is stored for nodes never reached. Nodes are found in the order a full
   * search finds them, so routes (fewest hops, ties by link order) are the same.
   */
  private searchUntil(src: number, dst: number): Search {
    let search = this.searches.get(src);
    if (!search) {
      search = { prev: new Map([[src, -1]]), via: new Map(), queue: [src], head: 0 };
      this.searches.set(src, search);
    }
    const { prev, via, queue } = search;
    while (!prev.has(dst) && search.head < queue.length) {
      const node = queue[search.head++]!;
      for (const e of this.adjacency[node]!) {
        if (prev.has(e.to)) continue;
        prev.set(e.to, node);
        via.set(e.to, e.resource);
        queue.push(e.to);
      }
    }
    return search;
  }

  private node(id: string): number {
    const i = this.nodeIndex.get(id);
    if (i === undefined) throw new RangeError(`unknown network node "${id}"`);
    return i;
  }
}
