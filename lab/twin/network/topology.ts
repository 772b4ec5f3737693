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

export class Topology {
  private readonly nodeIndex = new Map<string, number>();
  private readonly adjacency: Edge[][] = [];
  private readonly links: TwinLink[] = [];
  private readonly routes = new Map<string, Route>();
  private readonly trees = new Map<number, { via: Int32Array; prev: Int32Array }>();

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
    this.trees.clear();
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
    const tree = this.shortestPathTree(src);
    if (dst !== src && tree.prev[dst] === -1) return undefined;
    const resources: number[] = [];
    let latencyMs = 0;
    let delivered = 1;
    for (let n = dst; n !== src; n = tree.prev[n]!) {
      const r = tree.via[n]!;
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

  /** Breadth-first tree from a source, kept so that routes from one server to many clients cost one search. */
  private shortestPathTree(src: number): { via: Int32Array; prev: Int32Array } {
    const cached = this.trees.get(src);
    if (cached) return cached;
    const n = this.adjacency.length;
    const via = new Int32Array(n).fill(-1);
    const prev = new Int32Array(n).fill(-1);
    const seen = new Uint8Array(n);
    seen[src] = 1;
    const queue = [src];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head]!;
      for (const e of this.adjacency[node]!) {
        if (seen[e.to]) continue;
        seen[e.to] = 1;
        via[e.to] = e.resource;
        prev[e.to] = node;
        queue.push(e.to);
      }
    }
    const tree = { via, prev };
    this.trees.set(src, tree);
    return tree;
  }

  private node(id: string): number {
    const i = this.nodeIndex.get(id);
    if (i === undefined) throw new RangeError(`unknown network node "${id}"`);
    return i;
  }
}
