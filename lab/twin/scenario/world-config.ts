// The scenario's site and content as the twin's world: one twin site per boundary, the WAN links
// between them, distribution points (content, serving rate, PXE responder, multicast), state
// migration points, and content distributed later by events.
import { EnvironmentError, type Deployment, type DistributionPoint as ScenarioDp, type Scenario } from '../../../scenarios/index.js';
import type { Architecture, MachinePlan } from '../../../harness/index.js';
import type { TwinContentConfig, TwinSiteConfig, TwinWorldConfig } from '../world.js';
import type { PxeDeployment, PxeResponderConfig } from '../site/pxe.js';
import type { MulticastConfig } from '../site/multicast.js';

/** The twin site of machines with no boundary: no servers, no links — no network. */
export const NO_NETWORK = '(no network)';
/** Site systems without a boundary sit in the first boundary, or here when there is none. */
const DEFAULT_SITE = '(site)';

const DAY_MS = 86_400_000;

/** Where a site system sits in the twin. */
export function siteOf(scenario: Scenario, boundary: string | undefined): string {
  return boundary ?? scenario.site.boundaries[0]?.name ?? DEFAULT_SITE;
}

export function twinWorldConfig(scenario: Scenario, plans: MachinePlan[]): TwinWorldConfig {
  const { site } = scenario;
  const ids = new Set<string>([...site.boundaries.map((b) => b.name), NO_NETWORK]);
  const systems = [...site.distributionPoints, ...site.stateMigrationPoints, ...(site.managementPoint ? [site.managementPoint] : [])];
  for (const s of systems) ids.add(siteOf(scenario, s.boundary));
  const sites: TwinSiteConfig[] = [...ids].map((id) => {
    const dps = site.distributionPoints.filter((dp) => siteOf(scenario, dp.boundary) === id);
    const multicast: Record<string, MulticastConfig> = {};
    for (const dp of dps) if (dp.multicast?.enabled) multicast[dp.name] = multicastConfig(dp);
    return {
      id,
      distributionPoints: dps.map((dp) => ({ id: dp.name, site: id, packages: packagesOn(scenario, dp.name), servingRateBps: dp.bandwidth })),
      pxeResponders: dps.filter((dp) => dp.pxe?.enabled).map((dp) => pxeResponder(scenario, plans, dp, id)),
      stateMigrationPoints: site.stateMigrationPoints
        .filter((smp) => siteOf(scenario, smp.boundary) === id)
        .map((smp) => ({
          id: smp.name,
          site: id,
          // The twin models one store per point: the folders pooled.
          capacityBytes: smp.folders.reduce((n, f) => n + f.capacity, 0),
          maxClients: smp.folders.reduce((n, f) => n + f.maxClients, 0),
          minFreeBytes: Math.max(...smp.folders.map((f) => f.minFreeSpace)),
          restoreOnly: smp.restoreOnly,
          deleteAfterDays: smp.retention / DAY_MS,
        })),
      multicast,
    };
  });
  const distributionEvents = scenario.events.flatMap((e) => {
    if (e.action === 'distributeContent') return [{ atMs: e.at, distributionPoint: e.distributionPoint, packageId: e.packageId }];
    if (e.action === 'removeContent') {
      throw new EnvironmentError(`events: the twin cannot remove content from a distribution point yet (removeContent ${e.packageId} from ${e.distributionPoint})`, 'run this scenario without the removeContent event');
    }
    return [];
  });
  return {
    seed: 1,
    sites,
    links: site.links.map((l) => ({ id: `link:${l.between[0]}-${l.between[1]}`, from: l.between[0], to: l.between[1], bandwidthBps: l.bandwidth, latencyMs: l.latency, loss: l.loss })),
    content: contentConfig(scenario),
    distributionEvents,
  };
}

function contentConfig(scenario: Scenario): TwinContentConfig[] {
  const c = scenario.content;
  return [
    ...c.bootImages.map((b): TwinContentConfig => ({ packageId: b.id, bytes: b.size, kind: 'bootImage', architecture: b.arch })),
    ...c.osImages.map((o): TwinContentConfig => ({ packageId: o.id, bytes: o.size, kind: 'osImage', architecture: o.arch, ...(o.capturedBy ? { capturedBy: o.capturedBy.machine } : {}) })),
    ...c.driverPackages.map((d): TwinContentConfig => ({ packageId: d.id, bytes: d.size, kind: 'driverPackage' })),
    ...c.packages.map((p): TwinContentConfig => ({ packageId: p.id, bytes: p.size, kind: 'package' })),
  ];
}

function allContent(scenario: Scenario) {
  const c = scenario.content;
  return [...c.bootImages, ...c.osImages, ...c.driverPackages, ...c.packages];
}

/** Every package ID of the scenario's content: what stand-alone media carry. */
export function contentIds(scenario: Scenario): string[] {
  return allContent(scenario).map((p) => p.id);
}

function packagesOn(scenario: Scenario, dp: string): string[] {
  return allContent(scenario)
    .filter((p) => p.distributionPoints.includes(dp))
    .map((p) => p.id);
}

function multicastConfig(dp: ScenarioDp): MulticastConfig {
  const m = dp.multicast!;
  return {
    transferRateBps: m.transferRate ?? dp.bandwidth,
    maxClients: m.maxClients,
    ...(m.scheduled ? { startAtClients: m.scheduled.minClients, startAfterMs: m.scheduled.timeout } : {}),
  };
}

const offeredToPxe = (d: Deployment) => d.availableTo !== 'clients';

function pxeResponder(scenario: Scenario, plans: MachinePlan[], dp: ScenarioDp, site: string): PxeResponderConfig {
  const pxe = dp.pxe!;
  const onDp = scenario.content.bootImages.filter((b) => b.distributionPoints.includes(dp.name));
  const wanted = new Set(scenario.deployments.filter(offeredToPxe).map((d) => d.bootImage));
  const bootImages: Partial<Record<Architecture, string>> = {};
  for (const arch of ['x86', 'x64'] as const) {
    const image = onDp.find((b) => b.arch === arch && wanted.has(b.id)) ?? onDp.find((b) => b.arch === arch);
    if (image) bootImages[arch] = image.id;
  }
  // Known computers: imported records (by name and MAC), and the machines and clients the site knows.
  // Only machines on this responder's boundary ever ask it (the twin's PXE is per site).
  const known = plans.filter((p) => (p.computer !== undefined || (p.group !== undefined && p.collections.length > 0)) && (p.machine.boundary ?? NO_NETWORK) === site);
  const knownComputers = [...new Set([...scenario.computers.flatMap((c) => [c.name, ...(c.mac ? [c.mac] : [])]), ...known.map((p) => p.machine.name)])];
  const deployments: PxeDeployment[] = scenario.deployments
    .filter((d) => offeredToPxe(d) && d.bootImage !== undefined)
    .flatMap((d) => {
      const collection = scenario.collections.find((c) => c.name === d.collection)!;
      const base = { id: d.name, bootImage: d.bootImage!, required: d.purpose === 'required' };
      const members = scenario.computers.filter((c) => collection.members.includes(c.name));
      const targets = [
        ...members.flatMap((c) => [c.name, ...(c.mac ? [c.mac] : [])]),
        ...known.filter((p) => p.collections.includes(collection)).map((p) => p.machine.name),
      ];
      return [
        ...(targets.length > 0 ? [{ ...base, targets: [...new Set(targets)] }] : []),
        ...(collection.unknownComputers ? [{ ...base, targets: 'unknownComputers' as const }] : []),
      ];
    });
  return {
    id: dp.name,
    site,
    kind: 'configmgr',
    enabled: true,
    responseDelayMs: pxe.responseDelay,
    unknownComputerSupport: pxe.unknownComputerSupport,
    ...(pxe.password !== undefined ? { password: pxe.password } : {}),
    bootImages,
    distributionPoint: dp.name,
    tftp: { blockSize: pxe.tftpBlockSize, windowSize: pxe.tftpWindowSize },
    deployments,
    knownComputers,
  };
}
