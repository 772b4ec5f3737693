// The simulated world of one run: the virtual clock, the network (sites, links, DPs, state
// migration points, machines), content, PXE responders and management points. A runner fills
// TwinWorldConfig from the scenario and adds machines; lab/twin never reads scenario files.

import { Simulator } from './simulator.js';
import { Topology, type TwinLink } from './network/topology.js';
import { FlowNetwork } from './network/flows.js';
import { DistributionPoint, type DistributionPointConfig } from './site/dp.js';
import { PxeResponder, type PxeResponderConfig } from './site/pxe.js';
import { ManagementPoint, type ManagementPointConfig } from './site/mp.js';
import { StateMigrationPoint, type StateMigrationPointConfig } from './site/smp.js';
import { MulticastService, type MulticastConfig } from './site/multicast.js';
import type { Architecture } from '../../harness/index.js';
import { assertValid, worldConfigProblems } from './validate.js';
import type { TwinObserver } from './observer.js';

export interface TwinContentConfig {
  packageId: string;
  /** Bytes stored on the DP (compressed WIM, package source). */
  bytes: number;
  kind: 'osImage' | 'bootImage' | 'driverPackage' | 'package';
  architecture?: Architecture;
  /** OS image: bytes on disk once applied. Default 2.5 × bytes. */
  appliedBytes?: number;
  /** OS image captured from a dynamic disk (simple volume) rather than a basic disk. */
  capturedFromDynamic?: boolean;
  /** OS image captured in the run by this machine (build and capture): on no DP until it is captured. */
  capturedBy?: string;
  /** Set by that capture: the captured volume's files (path → bytes), written by an apply of the image. */
  capturedFiles?: ReadonlyMap<string, number>;
  /** Boot image: RAM it needs to boot (WinPE runs from a RAM disk; §8.4). */
  memoryRequiredMB?: number;
}

export interface TwinSiteConfig {
  id: string;
  distributionPoints?: DistributionPointConfig[];
  pxeResponders?: PxeResponderConfig[];
  managementPoint?: ManagementPointConfig;
  stateMigrationPoints?: StateMigrationPointConfig[];
  /** Multicast settings per DP id. */
  multicast?: Record<string, MulticastConfig>;
}

/** A scenario event: content reaches a DP at a given time ("distribute it later"). */
export interface TwinDistributionEvent {
  atMs: number;
  distributionPoint: string;
  packageId: string;
}

export interface TwinWorldConfig {
  seed?: number;
  /** Virtual clock start, ms since the Unix epoch (default 0). Every `...AtMs` is on this clock. */
  startTimeMs?: number;
  sites: TwinSiteConfig[];
  /** Links between site nodes (node id = site id). */
  links?: TwinLink[];
  content: TwinContentConfig[];
  distributionEvents?: TwinDistributionEvent[];
  goodputFactor?: number;
  recompute?: 'incremental' | 'full';
}

export class TwinWorld {
  readonly sim: Simulator;
  readonly topology = new Topology();
  readonly flows: FlowNetwork;
  readonly content = new Map<string, TwinContentConfig>();
  readonly distributionPoints: DistributionPoint[] = [];
  readonly pxeResponders = new Map<string, PxeResponder[]>();
  readonly managementPoints = new Map<string, ManagementPoint>();
  readonly stateMigrationPoints: StateMigrationPoint[] = [];
  readonly multicast = new Map<string, MulticastService>();
  private distributionWaiters: (() => void)[] = [];
  /** Watches phases and cache failures for a capacity plan; attach before the run starts. */
  observer?: TwinObserver;

  constructor(readonly config: TwinWorldConfig) {
    assertValid(worldConfigProblems(config));
    this.sim = new Simulator(config.seed ?? 1, config.startTimeMs ?? 0);
    this.flows = new FlowNetwork(this.sim, this.topology, { goodputFactor: config.goodputFactor, recompute: config.recompute });
    for (const c of config.content) this.content.set(c.packageId, c);
    for (const site of config.sites) {
      this.topology.addNode(site.id);
      for (const dpc of site.distributionPoints ?? []) {
        const dp = new DistributionPoint({ ...dpc, site: site.id });
        this.distributionPoints.push(dp);
        this.topology.addLink({ id: dp.node, from: dp.node, to: site.id, bandwidthBps: dpc.servingRateBps ?? 1e9, latencyMs: 0.1 });
      }
      this.pxeResponders.set(site.id, (site.pxeResponders ?? []).map((p) => new PxeResponder({ ...p, site: site.id })));
      this.managementPoints.set(site.id, new ManagementPoint(site.managementPoint));
      for (const smpc of site.stateMigrationPoints ?? []) {
        this.stateMigrationPoints.push(new StateMigrationPoint(this.sim, { ...smpc, site: site.id }));
        this.topology.addLink({ id: `smp:${smpc.id}`, from: `smp:${smpc.id}`, to: site.id, bandwidthBps: 1e9, latencyMs: 0.1 });
      }
      for (const [dpId, mc] of Object.entries(site.multicast ?? {})) this.multicast.set(dpId, new MulticastService(this.sim, mc));
    }
    for (const link of config.links ?? []) this.topology.addLink(link);
    for (const e of config.distributionEvents ?? []) this.sim.at(e.atMs, () => this.distribute(e.distributionPoint, e.packageId));
  }

  distributionPoint(id: string): DistributionPoint {
    const dp = this.distributionPoints.find((d) => d.id === id);
    if (!dp) throw new RangeError(`unknown distribution point "${id}"`);
    return dp;
  }

  /** Content arrives on a DP; clients waiting for it (mandatory deployments) look again. */
  distribute(dpId: string, packageId: string): void {
    this.distributionPoint(dpId).addContent(packageId);
    for (const wake of this.distributionWaiters.splice(0)) wake();
  }

  /** Resolves at the next distribution to any DP (rejects when the signal aborts). */
  nextDistribution(signal?: AbortSignal): Promise<void> {
    const d = this.sim.deferred<void>();
    const onAbort = () => d.reject(signal!.reason);
    this.distributionWaiters.push(() => {
      unwatch();
      d.resolve();
    });
    const unwatch = this.sim.whenAborted(signal, onAbort);
    if (signal?.aborted) onAbort();
    return d.promise;
  }

  /** Moves bytes from one node to another as a fair-shared flow; resolves when done. */
  transfer(from: string, to: string, bytes: number, capBytesPerSec: number, signal?: AbortSignal): Promise<void> {
    const route = this.topology.route(from, to);
    if (!route) return Promise.reject(new Error(`no network route from ${from} to ${to}`));
    const done = this.sim.deferred<void>();
    const id = this.flows.start({
      route,
      bytes,
      capBytesPerSec,
      onDone: () => {
        unwatch();
        done.resolve();
      },
    });
    const unwatch = this.sim.whenAborted(signal, () => {
      this.flows.abort(id);
      done.reject(signal!.reason);
    });
    return done.promise;
  }
}
