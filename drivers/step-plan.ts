// What a driver step does on a machine, planned once for both backends: the decision
// (decideDriverStep) against the machine's devices and the packages it can reach, which driver
// package each staged driver is downloaded from and where its files go in the offline Windows
// (DISM's layout: Windows\System32\DriverStore\FileRepository\<inf>_<arch>_<hash>, the INF as
// Windows\INF\oem<N>.inf), and the smsts.log lines that say what was asked, found and chosen.
import { createHash } from 'node:crypto';
import { basename, dirname, relative } from 'node:path';
import type { ApplyDriversRequest, Architecture, PciDevice } from '../harness/index.js';
import { decideDriverStep, type DeviceDriverDecision, type DriverStepDecision } from './apply.js';
import type { CatalogDriver, DriverCatalog } from './catalog.js';
import { infArchitecture } from './inf/decoration.js';
import { formatRank } from './pnp/rank.js';
import { targetOs } from './scenario-catalog.js';

export interface DriverStaging {
  driver: CatalogDriver;
  packageId: string;
  /** Folder of the driver's files inside the package's content, '/'-separated; '' for its root. */
  folder: string;
  /** The INF's file name in that folder; undefined for a driver known only by hardware IDs. */
  inf?: string;
  /** The driver-store folder DISM gives it: "netkvm.inf_amd64_1a2b3c4d". */
  storeFolder: string;
}

export interface DriverStepPlan {
  /** Why the step fails as a whole: the driver package is unknown or on no reachable distribution point. */
  failure?: string;
  decision?: DriverStepDecision;
  /** Packages to download, each with the drivers staged from it. */
  downloads: { packageId: string; drivers: DriverStaging[] }[];
  /** smsts.log lines. */
  log: string[];
  /** Per device with a driver: which INF Windows Setup installs (the record left on the target). */
  record: string[];
}

export interface DriverStepPlanOptions {
  /** Architecture of the Windows being deployed. */
  architecture: Architecture;
  /** Whether the machine can get this package's content now (a reachable DP, or the media it booted). */
  available: (packageId: string) => boolean;
}

/** The one name plans give every reachable distribution point: only reachability matters here. */
const REACHABLE = '(reachable)';

const isDeclared = (d: CatalogDriver) => d.inf.file.endsWith(' (hardwareIds)');
/** An INF's file name; inbox drivers and those known only by hardware IDs have no file, so their label. */
const infName = (d: CatalogDriver) => (d.inbox || isDeclared(d) ? d.inf.file : basename(d.inf.file));

function staging(driver: CatalogDriver, pkg: DriverCatalog['packages'][number], architecture: Architecture): DriverStaging {
  const arch = infArchitecture(architecture);
  if (isDeclared(driver) || pkg.source === undefined) {
    return { driver, packageId: pkg.packageId, folder: '', storeFolder: `${pkg.packageId.toLowerCase()}_${arch}` };
  }
  const root = /\.inf$/i.test(pkg.source) ? dirname(pkg.source) : pkg.source;
  const inf = basename(driver.inf.file);
  const hash = createHash('sha256').update(driver.id).digest('hex').slice(0, 16);
  return { driver, packageId: pkg.packageId, folder: relative(root, dirname(driver.inf.file)).split('\\').join('/'), inf, storeFolder: `${inf.toLowerCase()}_${arch}_${hash}` };
}

function deviceLines(d: DeviceDriverDecision): string[] {
  if (d.candidates.length === 0 && d.excluded.length === 0 && !d.installed) return [];
  return [
    `Device ${d.device.hardwareIds[0] ?? d.device.name}: ${d.reason}`,
    ...d.candidates.map((c) => `  candidate ${infName(c.driver)} [${c.section.section}]${c.model.line ? ` line ${c.model.line}` : ''}: rank ${formatRank(c.rank)} (${c.reason})`),
    ...d.excluded.map((e) => `  not used ${infName(e.driver)}: ${e.reason}`),
  ];
}

function requestLines(request: ApplyDriversRequest): string[] {
  const lines =
    request.mode === 'package'
      ? [`Apply Driver Package ${request.packageId}: every driver of the package for the target's architecture is staged; Windows Setup picks per device`]
      : [
          `Auto Apply Drivers: ${request.bestMatch ? 'install only the best matched compatible drivers' : 'install all compatible drivers'}; ${request.categories ? `matching limited to the categories ${request.categories.join(', ')}` : 'all categories'}`,
        ];
  if (request.allowUnsigned) lines.push('Unattended installation of unsigned drivers (OSDAllowUnsignedDriver) is ignored on Windows Vista and later: unsigned drivers only rank lower');
  return lines;
}

export function planDriverStep(request: ApplyDriversRequest, devices: readonly PciDevice[], catalog: DriverCatalog, options: DriverStepPlanOptions): DriverStepPlan {
  const log = requestLines(request);
  const fail = (failure: string): DriverStepPlan => ({ failure, downloads: [], log: [...log, failure], record: [] });
  if (request.mode === 'package' && !catalog.packages.some((p) => p.packageId === request.packageId)) {
    return fail(`driver package ${request.packageId ?? '(none)'} is not a driver package of this site (known: ${catalog.packages.map((p) => p.packageId).join(', ') || 'none'})`);
  }
  const reachable: DriverCatalog = { drivers: catalog.drivers, packages: catalog.packages.map((p) => ({ ...p, distributionPoints: options.available(p.packageId) ? [REACHABLE] : [] })) };
  const decision = decideDriverStep(request, devices, reachable, { target: targetOs(options.architecture), distributionPoints: [REACHABLE] });
  if (decision.failure) return fail(decision.failure);

  const downloads: DriverStepPlan['downloads'] = [];
  for (const driver of decision.staged) {
    const pkg = reachable.packages.find((p) => p.driverIds.includes(driver.id) && (request.mode === 'package' ? p.packageId === request.packageId : p.distributionPoints.length > 0))!;
    let entry = downloads.find((d) => d.packageId === pkg.packageId);
    if (!entry) downloads.push((entry = { packageId: pkg.packageId, drivers: [] }));
    entry.drivers.push(staging(driver, pkg, options.architecture));
  }
  log.push(`${devices.length} devices enumerated; ${decision.devices.filter((d) => d.candidates.length > 0).length} with a matching catalog driver`);
  for (const d of decision.devices) log.push(...deviceLines(d));
  log.push(
    decision.staged.length === 0
      ? 'No driver to stage'
      : `Staging ${decision.staged.length} driver(s) from ${downloads.map((d) => `${d.packageId} (${d.drivers.map((s) => s.inf ?? 'hardware IDs').join(', ')})`).join(', ')}`,
  );
  const record = decision.devices
    .filter((d) => d.installed)
    .map((d) => `${d.device.hardwareIds[0] ?? d.device.name} -> ${infName(d.installed!.driver)} [${d.installed!.section.section}] rank ${formatRank(d.installed!.rank)}`);
  return { decision, downloads, log, record };
}
