// Utilisation of WAN links and distribution points over time: every interval the sampler reads the
// payload bytes each link direction carried (FlowNetwork keeps the running total) and records the
// average share of its payload capacity used during the interval. Links of single machines are
// left out: a plan is about the shared ones. Multicast streams are not flows in the twin and do not
// show here.

import type { TwinWorld } from '../world.js';
import { TCP_GOODPUT_FACTOR } from '../network/goodput.js';

export interface UtilisationTrack {
  /** "DP01" for a distribution point; "HQ→BRANCH" for one direction of a WAN link. */
  name: string;
  kind: 'link' | 'distributionPoint';
  capacityBitsPerSecond: number;
  /** t: seconds from the start; utilisation: average over [t, next t), 0..1 of the payload capacity. */
  points: { t: number; utilisation: number }[];
  peak: number;
  /** Average over the whole run. */
  mean: number;
}

interface Watched {
  resource: number;
  track: UtilisationTrack;
  /** Payload bytes/s at full use. */
  payloadBytesPerSec: number;
  lastBytes: number;
}

const strip = (node: string) => node.replace(/^(dp|smp):/, '');

export class UtilisationSampler {
  private readonly watched: Watched[] = [];
  private lastMs = 0;

  constructor(
    private readonly world: TwinWorld,
    private readonly intervalMs: number,
  ) {
    if (!(intervalMs > 0)) throw new RangeError('the sampling interval must be positive');
    const topology = world.topology;
    const goodput = world.config.goodputFactor ?? TCP_GOODPUT_FACTOR;
    for (let r = 0; r < topology.resourceCount; r++) {
      const { link, reverse } = topology.resourceLink(r);
      if (link.id.startsWith('machine:')) continue;
      const isDp = link.id.startsWith('dp:');
      // A DP serves on its link towards the site; uploads to it (captures) are not its serving load.
      if (isDp && reverse) continue;
      const [from, to] = reverse ? [link.to, link.from] : [link.from, link.to];
      const name = isDp ? strip(link.from) : `${strip(from)}→${strip(to)}`;
      this.watched.push({
        resource: r,
        track: { name, kind: isDp ? 'distributionPoint' : 'link', capacityBitsPerSecond: link.bandwidthBps, points: [], peak: 0, mean: 0 },
        payloadBytesPerSec: (link.bandwidthBps / 8) * goodput,
        lastBytes: 0,
      });
    }
    this.lastMs = world.sim.now();
    world.sim.after(intervalMs, () => this.tick());
  }

  /** Samples, then samples again an interval later while anything else is still to happen. */
  private tick(): void {
    this.sample();
    if (this.world.sim.pendingEvents > 0) this.world.sim.after(this.intervalMs, () => this.tick());
  }

  private sample(): void {
    const now = this.world.sim.now();
    const seconds = (now - this.lastMs) / 1000;
    if (seconds <= 0) return;
    const t = this.lastMs / 1000;
    for (const w of this.watched) {
      const bytes = this.world.flows.carriedBytes(w.resource);
      const utilisation = Math.min(1, (bytes - w.lastBytes) / (w.payloadBytesPerSec * seconds));
      w.lastBytes = bytes;
      w.track.points.push({ t, utilisation });
      w.track.peak = Math.max(w.track.peak, utilisation);
    }
    this.lastMs = now;
  }

  /** The last partial interval, then the tracks of links that carried anything. */
  finish(): UtilisationTrack[] {
    this.sample();
    const total = this.world.sim.now() / 1000;
    return this.watched
      .filter((w) => w.lastBytes > 0)
      .map((w) => ({ ...w.track, mean: total > 0 ? Math.min(1, w.lastBytes / (w.payloadBytesPerSec * total)) : 0 }));
  }
}
