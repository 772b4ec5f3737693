// The driver catalog as ConfigMgr keeps it (osd-behaviours §8): imported drivers with their INF
// metadata, enabled flag and categories; driver packages that carry driver content to
// distribution points; and the boot-image rule (mass storage and network drivers only).
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { InputError } from '../scenarios/index.js';
import { readInf, type InfFile } from './inf/parse.js';
import { applicableSections, type RankableDriver } from './pnp/rank.js';
import type { TargetOs } from './inf/decoration.js';

export interface CatalogDriver extends RankableDriver {
  /** The console's default name: the description of the first device the INF supports. */
  name: string;
  /** Why the driver counts as signed or not (we cannot verify the catalog's signature itself). */
  signature: string;
  enabled: boolean;
  categories: string[];
  /** Drivers that ship with Windows and WinPE: always present, never downloaded. */
  inbox?: true;
}

export interface DriverPackage {
  packageId: string;
  name: string;
  driverIds: string[];
  /** Distribution points holding the package's content; empty until distributed. */
  distributionPoints: string[];
  /** Folder the package's content comes from: its drivers' INF paths are relative to it in the content. */
  source?: string;
}

export interface DriverCatalog {
  drivers: CatalogDriver[];
  packages: DriverPackage[];
}

export interface ImportOptions {
  categories?: string[];
  /** "Enable these drivers and allow computers to install them"; default true as in the wizard. */
  enabled?: boolean;
  signal?: AbortSignal;
}

/** Device setup classes (ClassGuid) of the drivers a boot image may hold. */
export const BOOT_CRITICAL_CLASSES: Readonly<Record<string, string>> = {
  '{4d36e972-e325-11ce-bfc1-08002be10318}': 'Net',
  '{4d36e97b-e325-11ce-bfc1-08002be10318}': 'SCSIAdapter',
  '{4d36e96a-e325-11ce-bfc1-08002be10318}': 'HDC',
};

async function signature(inf: InfFile): Promise<{ signed: boolean; signature: string }> {
  if (!inf.catalogFile) return { signed: false, signature: 'unsigned: the INF names no CatalogFile' };
  const folder = dirname(inf.file);
  const names = await readdir(folder);
  const cat = names.find((n) => n.toLowerCase() === inf.catalogFile!.toLowerCase());
  return cat
    ? { signed: true, signature: `signed: catalog ${cat} is present (its signature is not verified here)` }
    : { signed: false, signature: `unsigned: CatalogFile ${inf.catalogFile} is not beside the INF` };
}

/** Every .inf under a folder, as "Import Driver" finds them when pointed at a folder. */
async function infFilesUnder(folder: string, signal?: AbortSignal): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  signal?.throwIfAborted();
  return entries
    .filter((e) => e.isFile() && /\.inf$/i.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** INF files named directly, or found under folders. A named .inx is parsed and so rejected with its line. */
export async function findInfFiles(paths: string[], signal?: AbortSignal): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const s = await stat(path).catch(() => undefined);
    if (!s) throw new InputError({ file: path, message: 'no such file or folder' });
    if (s.isDirectory()) {
      const found = await infFilesUnder(path, signal);
      if (found.length === 0) throw new InputError({ file: path, message: 'the folder holds no .inf file' });
      files.push(...found);
    } else files.push(path);
  }
  return files;
}

export async function importDrivers(paths: string[], options: ImportOptions = {}): Promise<CatalogDriver[]> {
  const drivers: CatalogDriver[] = [];
  for (const file of await findInfFiles(paths, options.signal)) {
    options.signal?.throwIfAborted();
    const inf = await readInf(file, options.signal);
    const first = inf.modelsSections.find((s) => s.models.length > 0)?.models[0];
    drivers.push({
      id: relative(process.cwd(), file) || basename(file),
      name: first?.description ?? basename(file),
      inf,
      ...(await signature(inf)),
      enabled: options.enabled ?? true,
      categories: options.categories ?? [],
    });
  }
  return drivers;
}

export interface Rejection {
  driver: CatalogDriver;
  reason: string;
}

/**
 * The drivers a boot image of this architecture can take: "only add mass storage and network
 * adaptor device drivers" (§8.4), enabled ones only, and built for the boot image's architecture.
 */
export function bootImageDrivers(drivers: readonly CatalogDriver[], bootImage: TargetOs): { accepted: CatalogDriver[]; rejected: Rejection[] } {
  const accepted: CatalogDriver[] = [];
  const rejected: Rejection[] = [];
  for (const driver of drivers) {
    const cls = driver.inf.classGuid && BOOT_CRITICAL_CLASSES[driver.inf.classGuid];
    if (!driver.enabled) rejected.push({ driver, reason: 'disabled in the catalog' });
    else if (!cls) rejected.push({ driver, reason: `class ${driver.inf.class ?? '(none)'} is neither mass storage nor network` });
    else if (applicableSections(driver.inf, bootImage).length === 0) rejected.push({ driver, reason: `no models section fits a ${bootImage.architecture} boot image` });
    else accepted.push(driver);
  }
  return { accepted, rejected };
}
