// What a distribution point holds: packages by ID and version, each a folder of files on the
// host, present on this DP or not yet ("distribute later"). A client that asks for a package
// that is not here gets a ConfigMgr-like reason; whether it waits (mandatory deployment) or
// fails at once (optional) is the client's decision (osd-behaviours §4.2).

import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { HttpError } from '../http/service.js';

export interface DpPackage {
  /** ConfigMgr package ID, e.g. "LAB00012". */
  packageId: string;
  /** Source version; a task sequence uses the latest version distributed. Default 1. */
  version?: number;
  /** Host folder with the package's files. */
  source: string;
  /** On the DP from the start; false = distributed later by a scenario event. Default true. */
  distributed?: boolean;
}

export interface PackageFile {
  path: string;
  bytes: number;
}

interface Entry {
  packageId: string;
  version: number;
  source: string;
  distributed: boolean;
}

const PACKAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class DpContent {
  private readonly entries: Entry[] = [];

  constructor(
    private readonly dpId: string,
    packages: readonly DpPackage[],
  ) {
    for (const p of packages) {
      if (!PACKAGE_ID.test(p.packageId)) throw new RangeError(`distribution point ${dpId}: package ID "${p.packageId}" must be 1–64 of A-Z, a-z, 0-9, "_" and "-"`);
      this.entries.push({ packageId: p.packageId, version: p.version ?? 1, source: resolve(p.source), distributed: p.distributed ?? true });
    }
  }

  /** Whether any version of the package is on this DP (what content-location rules ask). */
  has(packageId: string): boolean {
    return this.entries.some((e) => e.packageId === packageId && e.distributed);
  }

  /** Content reaches this DP: the given version, or every known version of the package. */
  distribute(packageId: string, version?: number): void {
    const matching = this.entries.filter((e) => e.packageId === packageId && (version === undefined || e.version === version));
    if (matching.length === 0) throw new RangeError(`distribution point ${this.dpId}: no source for package ${packageId}${version === undefined ? '' : ` version ${version}`}`);
    for (const e of matching) e.distributed = true;
  }

  /** The distributed version a request names ("PKG" = latest, "PKG.3" = version 3), or a 404 with the reason. */
  lookup(name: string): Entry {
    const dot = name.lastIndexOf('.');
    const packageId = dot > 0 ? name.slice(0, dot) : name;
    const version = dot > 0 ? Number(name.slice(dot + 1)) : undefined;
    if (!PACKAGE_ID.test(packageId) || (version !== undefined && !Number.isInteger(version))) {
      throw new HttpError(400, `"${name}" is not a package ID (optionally with ".<version>")`);
    }
    const known = this.entries.filter((e) => e.packageId === packageId && (version === undefined || e.version === version));
    const here = known.filter((e) => e.distributed).sort((a, b) => b.version - a.version)[0];
    if (here) return here;
    const what = version === undefined ? `package ${packageId}` : `package ${packageId} version ${version}`;
    const state = known.length > 0 ? 'notDistributed' : 'unknown';
    const message = known.length > 0
      ? `the content for ${what} is not yet available on distribution point ${this.dpId} (waiting for distribution)`
      : `${what} is not known to distribution point ${this.dpId}`;
    throw new HttpError(404, message, { packageId, version, distributionPoint: this.dpId, state });
  }

  /** Host path of a file in the package; refuses paths (also through symlinks) that leave the package folder. */
  async filePath(entry: Entry, relative: string): Promise<string> {
    const path = resolve(entry.source, relative);
    if (!path.startsWith(entry.source + sep)) throw new HttpError(400, `"${relative}" is outside the package`);
    const [real, root] = await Promise.all([realpath(path).catch(() => path), realpath(entry.source).catch(() => entry.source)]);
    if (!real.startsWith(root + sep)) throw new HttpError(400, `"${relative}" is outside the package`);
    return real;
  }

  /** The package's files with sizes, for a client that downloads the whole package. */
  async files(entry: Entry): Promise<PackageFile[]> {
    const names = await readdir(entry.source, { recursive: true });
    const files: PackageFile[] = [];
    for (const name of names.sort()) {
      const s = await stat(join(entry.source, name));
      if (s.isFile()) files.push({ path: name.split(sep).join('/'), bytes: s.size });
    }
    return files;
  }
}
