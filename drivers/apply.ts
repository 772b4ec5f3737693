// What the two driver steps decide for a machine (osd-behaviours §2.5–2.6, ts-formats §e).
// Auto Apply Drivers asks the catalog for drivers matching each device — enabled, in the chosen
// categories, with content on a distribution point — and stages the best one or all of them.
// Apply Driver Package stages every applicable driver of one package, matched or not. Either
// way Windows Setup then installs, per device, the best-ranked driver among the staged and the
// inbox ones: the ranking that decides is PnP's, inside Setup.
import type { ApplyDriversRequest, PciDevice } from '../harness/index.js';
import { InputError } from '../scenarios/index.js';
import type { CatalogDriver, DriverCatalog, Rejection } from './catalog.js';
import { DEFAULT_TARGET_OS, type TargetOs } from './inf/decoration.js';
import { INBOX_DRIVERS } from './inbox.js';
import { pciDeviceIdentity, type DeviceIdentity, type PciIdScheme } from './pnp/device-ids.js';
import { applicableSections, formatRank, rankDrivers, type Candidate } from './pnp/rank.js';

export interface DriverStepOptions {
  target?: TargetOs;
  scheme?: PciIdScheme;
  /** Drivers present without any step; default INBOX_DRIVERS. */
  inbox?: readonly CatalogDriver[];
  /** Distribution points the machine can get content from; default any. */
  distributionPoints?: readonly string[];
}

export interface AutoApplyOptions extends DriverStepOptions {
  /** OSDAutoApplyDriverBestMatch: "Install only the best matched compatible drivers" (default in ConfigMgr). */
  bestMatch: boolean;
  /** OSDAutoApplyDriverCategoryList: limit matching to these categories; undefined = all categories. */
  categories?: readonly string[];
}

export interface DeviceDriverDecision {
  device: DeviceIdentity;
  pci?: PciDevice;
  /** Catalog drivers that match and qualify, best first. */
  candidates: Candidate<CatalogDriver>[];
  /** Catalog drivers that claim the device but do not qualify, with the reason. */
  excluded: Rejection[];
  /** What the step downloads and stages for this device. */
  staged: Candidate<CatalogDriver>[];
  /** What Windows Setup installs (best of staged and inbox); absent: the device stays without a driver. */
  installed?: Candidate<CatalogDriver>;
  reason: string;
}

export interface ApplyDriverPackageDecision {
  packageId: string;
  /** Set when the step fails as a whole (content not on a reachable distribution point). */
  failure?: string;
  staged: CatalogDriver[];
  notApplicable: Rejection[];
  devices: DeviceDriverDecision[];
}

type DeviceInput = PciDevice | DeviceIdentity;

function identify(d: DeviceInput, scheme: PciIdScheme): { device: DeviceIdentity; pci?: PciDevice } {
  return 'hardwareIds' in d ? { device: d } : { device: pciDeviceIdentity(d, scheme), pci: d };
}

function onDistributionPoint(catalog: DriverCatalog, driver: CatalogDriver, reachable?: readonly string[]): string | undefined {
  const packages = catalog.packages.filter((p) => p.driverIds.includes(driver.id));
  if (packages.length === 0) return 'in no driver package, so its content is on no distribution point';
  const distributed = packages.some((p) => p.distributionPoints.some((dp) => !reachable || reachable.includes(dp)));
  if (distributed) return undefined;
  return `driver package ${packages.map((p) => p.packageId).join(', ')} is not on ${reachable ? 'a reachable' : 'any'} distribution point`;
}

/** What Windows Setup installs for the device from the staged drivers and the inbox ones. */
function setupChoice(device: DeviceIdentity, staged: readonly CatalogDriver[], options: DriverStepOptions): Candidate<CatalogDriver> | undefined {
  const { candidates } = rankDrivers(device, [...staged, ...(options.inbox ?? INBOX_DRIVERS)], options.target ?? DEFAULT_TARGET_OS);
  return candidates[0];
}

function describeInstall(installed: Candidate<CatalogDriver> | undefined): string {
  if (!installed) return 'no staged or inbox driver matches: the device stays without a driver';
  const source = installed.driver.inbox ? 'the inbox driver' : 'staged';
  return `Windows Setup installs ${installed.driver.inf.file} (${source}, rank ${formatRank(installed.rank)})`;
}

export function autoApplyDrivers(devices: readonly DeviceInput[], catalog: DriverCatalog, options: AutoApplyOptions): DeviceDriverDecision[] {
  const target = options.target ?? DEFAULT_TARGET_OS;
  const catalogDrivers = catalog.drivers.filter((d) => !d.inbox);
  return devices.map((input) => {
    const { device, pci } = identify(input, options.scheme ?? 'windows10');
    const ranked = rankDrivers(device, catalogDrivers, target);
    const excluded: Rejection[] = ranked.misfits.map((m) => ({ driver: m.driver, reason: m.reason }));
    const candidates = ranked.candidates.filter((c) => {
      const d = c.driver;
      const why = !d.enabled
        ? 'disabled in the catalog'
        : options.categories && !d.categories.some((cat) => options.categories!.includes(cat))
          ? `in categories [${d.categories.join(', ')}], none of the selected [${options.categories.join(', ')}]`
          : onDistributionPoint(catalog, d, options.distributionPoints);
      if (why) excluded.push({ driver: d, reason: why });
      return !why;
    });
    const staged = options.bestMatch ? candidates.slice(0, 1) : candidates;
    const installed = setupChoice(device, staged.map((c) => c.driver), options);
    const mode = options.bestMatch ? 'best matched driver' : 'all compatible drivers';
    const stagedText = staged.length === 0 ? 'no catalog driver qualifies' : `stages ${staged.map((c) => c.driver.inf.file).join(', ')}`;
    return { device, pci, candidates, excluded, staged, installed, reason: `Auto Apply Drivers (${mode}) ${stagedText}; ${describeInstall(installed)}` };
  });
}

export function applyDriverPackage(devices: readonly DeviceInput[], catalog: DriverCatalog, packageId: string, options: DriverStepOptions = {}): ApplyDriverPackageDecision {
  const pkg = catalog.packages.find((p) => p.packageId === packageId);
  if (!pkg) throw new InputError({ path: packageId, message: `driver package ${packageId} is not in the catalog (known: ${catalog.packages.map((p) => p.packageId).join(', ') || 'none'})` });
  const target = options.target ?? DEFAULT_TARGET_OS;
  const reachable = options.distributionPoints;
  if (!pkg.distributionPoints.some((dp) => !reachable || reachable.includes(dp))) {
    return { packageId, failure: `content of driver package ${packageId} is not on ${reachable ? 'a reachable' : 'any'} distribution point`, staged: [], notApplicable: [], devices: [] };
  }
  const staged: CatalogDriver[] = [];
  const notApplicable: Rejection[] = [];
  for (const id of pkg.driverIds) {
    const driver = catalog.drivers.find((d) => d.id === id);
    if (!driver) throw new InputError({ path: `${packageId}.driverIds`, message: `driver ${id} is in package ${packageId} but not in the catalog` });
    // DISM /Add-Driver skips an INF with no models section for the image's architecture.
    if (applicableSections(driver.inf, target).length === 0) notApplicable.push({ driver, reason: `no models section fits ${target.architecture}` });
    else staged.push(driver);
  }
  const decisions = devices.map((input): DeviceDriverDecision => {
    const { device, pci } = identify(input, options.scheme ?? 'windows10');
    const { candidates } = rankDrivers(device, staged, target);
    const installed = setupChoice(device, staged, options);
    const reason = `Apply Driver Package ${packageId} stages all ${staged.length} applicable drivers; ${describeInstall(installed)}`;
    return { device, pci, candidates, excluded: [], staged: candidates, installed, reason };
  });
  return { packageId, staged, notApplicable, devices: decisions };
}

/** The outcome of either driver step, in one shape for the backends. */
export interface DriverStepDecision {
  /** Distinct drivers the step downloads and stages onto the target. */
  staged: CatalogDriver[];
  devices: DeviceDriverDecision[];
  failure?: string;
}

/** Decides the machine contract's applyDrivers request: Auto Apply Drivers or Apply Driver Package. */
export function decideDriverStep(request: ApplyDriversRequest, devices: readonly DeviceInput[], catalog: DriverCatalog, options: DriverStepOptions = {}): DriverStepDecision {
  if (request.mode === 'package') {
    if (!request.packageId) throw new InputError({ path: 'packageId', message: 'Apply Driver Package needs the driver package ID' });
    const r = applyDriverPackage(devices, catalog, request.packageId, options);
    return { staged: r.staged, devices: r.devices, failure: r.failure };
  }
  const decisions = autoApplyDrivers(devices, catalog, { ...options, bestMatch: request.bestMatch, categories: request.categories });
  const staged = [...new Set(decisions.flatMap((d) => d.staged.map((c) => c.driver)))];
  return { staged, devices: decisions };
}
