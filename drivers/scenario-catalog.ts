// The driver catalog a scenario describes, and its boot images' driver lists. A driver package's
// `source` is the folder of its drivers (INF files with their files, as Import Driver reads them);
// a package without one is known only by the hardware IDs it names, as a driver without INF
// whose class is unknown. Both backends build their catalog here, so they decide alike.
import { basename } from 'node:path';
import type { Architecture } from '../harness/index.js';
import { InputError, type Scenario } from '../scenarios/index.js';
import { bootImageDrivers, importDrivers, type CatalogDriver, type DriverCatalog, type DriverPackage } from './catalog.js';
import { DEFAULT_TARGET_OS, type TargetOs } from './inf/decoration.js';
import { modelledInf } from './inbox.js';
import { guestKernelModules } from './lab-devices.js';

/** Windows 10 as the lab deploys it, for a machine or boot image of this architecture. */
export function targetOs(architecture: Architecture): TargetOs {
  return { ...DEFAULT_TARGET_OS, architecture };
}

function problem(scenario: Scenario, path: (string | number)[], message: string): InputError {
  const at = scenario.locator(path);
  const field = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1);
  return new InputError({ file: scenario.file, line: at?.line, column: at?.column, path: field, message });
}

/** The driver a package that names only hardware IDs stands for. */
function declaredDriver(pkg: Scenario['content']['driverPackages'][number]): CatalogDriver {
  const inf = modelledInf({
    file: `${pkg.id} (hardwareIds)`,
    provider: pkg.name,
    section: 'HardwareIds',
    description: pkg.name,
    hardwareIds: pkg.hardwareIds,
    // No INF, so no DriverVer: the oldest date, so any dated driver of equal rank wins.
    driverVer: { date: '1970-01-01', version: '0.0.0.0' },
  });
  return { id: inf.file, name: pkg.name, inf, signed: true, signature: 'assumed signed: the scenario names hardware IDs, no INF to check', enabled: true, categories: [] };
}

/** Every driver package of the scenario with its drivers; a driver in two packages is one catalog driver. */
export async function scenarioDriverCatalog(scenario: Scenario, signal?: AbortSignal): Promise<DriverCatalog> {
  const drivers = new Map<string, CatalogDriver>();
  const packages: DriverPackage[] = [];
  for (const [i, pkg] of scenario.content.driverPackages.entries()) {
    let found: CatalogDriver[] = [];
    if (pkg.source !== undefined) {
      try {
        found = await importDrivers([pkg.source], { signal });
      } catch (err) {
        // The INF's own errors name the INF's line; a source without INF files is the scenario's.
        if (!(err instanceof InputError) || err.problems.some((p) => p.line !== undefined)) throw err;
        throw problem(scenario, ['content', 'driverPackages', i, 'source'], `driver package ${pkg.id}: ${err.problems.map((p) => p.message).join('; ')} (${pkg.source}); a driver package's source is the folder of its drivers: INF files with their files`);
      }
    } else if (pkg.hardwareIds.length > 0) found = [declaredDriver(pkg)];
    for (const d of found) if (!drivers.has(d.id)) drivers.set(d.id, d);
    packages.push({ packageId: pkg.id, name: pkg.name, driverIds: found.map((d) => d.id), distributionPoints: pkg.distributionPoints, ...(pkg.source !== undefined ? { source: pkg.source } : {}) });
  }
  return { drivers: [...drivers.values()], packages };
}

const isDeclared = (d: CatalogDriver) => d.inf.file.endsWith(' (hardwareIds)');

/**
 * The drivers a boot image's `drivers` list adds, or undefined when it has no list. Each entry is
 * a driver package ID (all its drivers) or the file name of an INF in a package's source; only
 * mass storage and network drivers for the image's architecture are allowed.
 */
export function scenarioBootImageDrivers(scenario: Scenario, catalog: DriverCatalog, bootImageId: string): CatalogDriver[] | undefined {
  const index = scenario.content.bootImages.findIndex((b) => b.id === bootImageId);
  const image = scenario.content.bootImages[index];
  if (!image?.drivers) return undefined;
  const at = (j: number) => ['content', 'bootImages', index, 'drivers', j];
  const chosen: CatalogDriver[] = [];
  image.drivers.forEach((entry, j) => {
    const pkg = catalog.packages.find((p) => p.packageId.toLowerCase() === entry.toLowerCase());
    const named = pkg ? catalog.drivers.filter((d) => pkg.driverIds.includes(d.id)) : catalog.drivers.filter((d) => !isDeclared(d) && basename(d.inf.file).toLowerCase() === entry.toLowerCase());
    if (named.length === 0) {
      const infs = [...new Set(catalog.drivers.filter((d) => !isDeclared(d)).map((d) => basename(d.inf.file)))];
      throw problem(
        scenario,
        at(j),
        pkg
          ? `driver package ${pkg.packageId} holds no drivers (no source with INF files)`
          : `found "${entry}"; allowed: driver package IDs (${catalog.packages.map((p) => p.packageId).join(', ') || 'none in this file'}) or INF names of their sources (${infs.join(', ') || 'none'})`,
      );
    }
    const declared = named.find(isDeclared);
    if (declared) {
      throw problem(scenario, at(j), `driver package ${entry} names only hardware IDs, so the class of its drivers is unknown; a boot image takes mass storage and network drivers only: give the package a source folder with its INF files`);
    }
    const { rejected } = bootImageDrivers(named, targetOs(image.arch));
    if (rejected.length > 0) {
      const why = rejected.map((r) => `${basename(r.driver.inf.file)}: ${r.reason}`).join('; ');
      throw problem(scenario, at(j), `${why}; a boot image takes only mass storage and network drivers (ConfigMgr's advice), built for its architecture (${image.arch})`);
    }
    for (const d of named) if (!chosen.includes(d)) chosen.push(d);
  });
  return chosen;
}

/** Every boot image's driver list (validated), by boot image ID; images without a list are absent. */
export function scenarioBootImageDriverLists(scenario: Scenario, catalog: DriverCatalog): Map<string, CatalogDriver[]> {
  const lists = new Map<string, CatalogDriver[]>();
  for (const image of scenario.content.bootImages) {
    const drivers = scenarioBootImageDrivers(scenario, catalog, image.id);
    if (drivers) lists.set(image.id, drivers);
  }
  return lists;
}

/** The Linux modules of the lab devices that a boot image with these drivers (and the inbox ones) drives. */
export function bootImageLinuxModules(drivers: readonly CatalogDriver[], architecture: Architecture): string[] {
  return guestKernelModules(drivers, targetOs(architecture))
    .filter((m) => m.load)
    .map((m) => m.linuxModule);
}
