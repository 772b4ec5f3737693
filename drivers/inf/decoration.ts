// TargetOSVersion decorations of [Manufacturer] entries (learn.microsoft.com "INF Manufacturer
// section", "Combining platform extensions with operating system versions"):
//   NT[Architecture][.[OSMajorVersion][.[OSMinorVersion][.[ProductType][.[SuiteMask]][.[BuildNumber]]]]]
// Windows uses the fitting decoration closest to the running OS. Non-x86 targets need an
// architecture in the decoration; an undecorated models section serves x86 only.
import type { Architecture } from '../../harness/index.js';

export type InfArchitecture = 'x86' | 'amd64' | 'ia64' | 'arm' | 'arm64';

export interface TargetOsDecoration {
  /** As written after stamping, e.g. "NTamd64.10.0...16299". */
  text: string;
  architecture?: InfArchitecture;
  major?: number;
  minor?: number;
  productType?: number;
  suiteMask?: number;
  build?: number;
}

/** The Windows a driver is matched for: WinPE and the full OS it deploys share version and architecture. */
export interface TargetOs {
  architecture: Architecture;
  major: number;
  minor: number;
  build: number;
  /** VER_NT_WORKSTATION (1), VER_NT_DOMAIN_CONTROLLER (2), VER_NT_SERVER (3). */
  productType: 1 | 2 | 3;
}

/** Windows 10 / WinPE 10 version 2004: the oldest release still in ConfigMgr's supported matrix. */
export const DEFAULT_TARGET_OS: TargetOs = { architecture: 'x64', major: 10, minor: 0, build: 19041, productType: 1 };

const INF_ARCH: Record<Architecture, InfArchitecture> = { x86: 'x86', x64: 'amd64' };

export function infArchitecture(arch: Architecture): InfArchitecture {
  return INF_ARCH[arch];
}

function number(field: string | undefined): number | undefined | null {
  if (field === undefined || field === '') return undefined;
  if (/^0x[0-9a-f]+$/i.test(field)) return parseInt(field, 16);
  if (/^\d+$/.test(field)) return parseInt(field, 10);
  return null;
}

/** Parses a decoration; undefined when it is not of the documented form. */
export function parseDecoration(text: string): TargetOsDecoration | undefined {
  const m = /^nt(x86|amd64|ia64|arm64|arm)?(?:\.(.*))?$/i.exec(text.trim());
  if (!m) return undefined;
  const fields = m[2] === undefined ? [] : m[2].split('.');
  if (fields.length > 5) return undefined;
  const [major, minor, productType, suiteMask, build] = fields.map(number);
  if ([major, minor, productType, suiteMask, build].some((f) => f === null)) return undefined;
  return {
    text: text.trim(),
    architecture: m[1]?.toLowerCase() as InfArchitecture | undefined,
    major: major ?? undefined,
    minor: minor ?? undefined,
    productType: productType ?? undefined,
    suiteMask: suiteMask ?? undefined,
    build: build ?? undefined,
  };
}

/** Why a decoration does not fit the target, or undefined when it fits. */
export function decorationMisfit(d: TargetOsDecoration, target: TargetOs): string | undefined {
  const want = infArchitecture(target.architecture);
  if ((d.architecture ?? 'x86') !== want) {
    return d.architecture ? `is for ${d.architecture}, the target is ${want}` : `names no architecture, so it serves x86 only (target ${want})`;
  }
  const version = [d.major ?? 0, d.minor ?? 0, d.build ?? 0];
  const os = [target.major, target.minor, target.build];
  for (let i = 0; i < 3; i++) {
    if (version[i] < os[i]) break;
    if (version[i] > os[i]) return `needs Windows ${version.join('.')} or later (target ${os.join('.')})`;
  }
  if (d.productType !== undefined && d.productType !== target.productType) return `is for product type ${d.productType} (target ${target.productType})`;
  return undefined;
}

function specificity(d: TargetOsDecoration): number[] {
  return [d.major ?? 0, d.minor ?? 0, d.build ?? 0, d.productType === undefined ? 0 : 1, d.architecture ? 1 : 0];
}

/** The fitting decoration Windows would use (closest to the running OS), if any. */
export function bestDecoration(decorations: TargetOsDecoration[], target: TargetOs): TargetOsDecoration | undefined {
  let best: TargetOsDecoration | undefined;
  for (const d of decorations) {
    if (decorationMisfit(d, target)) continue;
    if (!best || compareArrays(specificity(d), specificity(best)) > 0) best = d;
  }
  return best;
}

function compareArrays(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
