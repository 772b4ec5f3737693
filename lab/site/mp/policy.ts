// What a management point answers, as pure functions of its configuration: which computer a
// lookup names (SMBIOS GUID or MAC, as MP_LookupDevice matches), the deployments of its
// collections, its variables (collection variables by precedence 1–9, then computer variables,
// osd-behaviours §3.2) and the content locations for each package (the twin's rules).

import { contentLocations, type ContentLocationCandidate } from '../../twin/index.js';

export interface MpComputer {
  name: string;
  mac?: string;
  smbiosGuid?: string;
  /** Boundary (site) the computer's network is in: which DPs are local. */
  site: string;
  /** Collection IDs the computer is a member of. */
  collections: string[];
  variables?: Record<string, string>;
}

export interface MpCollection {
  id: string;
  name?: string;
  variables?: Record<string, string>;
  /** 1 (lowest) – 9 (highest): which collection's variable wins. Default 1. */
  precedence?: number;
}

export interface MpDeployment {
  /** Deployment (advertisement) ID. */
  id: string;
  collection: string;
  /** Package ID of the task sequence. */
  taskSequence: string;
  mandatory: boolean;
  /** Packages the task sequence references (its content). */
  packages: string[];
  /** "When no local distribution point is available, use a remote distribution point". */
  allowRemoteDp?: boolean;
  /** "When no protected distribution point is available, use an unprotected distribution point". */
  allowUnprotectedDp?: boolean;
}

export interface MpDistributionPoint {
  id: string;
  site: string;
  protected?: boolean;
  /** Base URL of the DP ("http://198.18.0.10"). */
  url: string;
  /** Packages on the DP at the start. */
  packages: string[];
}

/** The policy a computer receives. */
export interface MpPolicy {
  deployments: {
    id: string;
    taskSequence: string;
    mandatory: boolean;
    /** Package ID → DP content URLs, best first; empty when no allowed DP has it yet. */
    contentLocations: Record<string, string[]>;
  }[];
  variables: Record<string, string>;
}

export interface LookupKey {
  mac?: string;
  smbiosGuid?: string;
}

const normalMac = (mac: string) => mac.toLowerCase().replace(/[-:]/g, '');

/** The computer a lookup names: SMBIOS GUID first, then MAC address. */
export function findComputer<T extends LookupKey>(computers: readonly T[], key: LookupKey): T | undefined {
  const guid = key.smbiosGuid?.toLowerCase();
  if (guid) {
    const byGuid = computers.find((c) => c.smbiosGuid?.toLowerCase() === guid);
    if (byGuid) return byGuid;
  }
  const mac = key.mac ? normalMac(key.mac) : undefined;
  return mac ? computers.find((c) => c.mac !== undefined && normalMac(c.mac) === mac) : undefined;
}

/** Collection variables by ascending precedence (the highest wins), then the computer's own. */
export function policyVariables(computer: MpComputer, collections: readonly MpCollection[]): Record<string, string> {
  const mine = collections
    .filter((c) => computer.collections.includes(c.id))
    .sort((a, b) => (a.precedence ?? 1) - (b.precedence ?? 1));
  return Object.assign({}, ...mine.map((c) => c.variables ?? {}), computer.variables ?? {});
}

export interface PolicyInputs {
  collections: readonly MpCollection[];
  deployments: readonly MpDeployment[];
  distributionPoints: readonly MpDistributionPoint[];
  /** Whether a DP has a package now. */
  hasContent: (dpId: string, packageId: string) => boolean;
  /** Cost from a client's site to a DP's site, for ordering remote DPs; default 0 (then by DP ID). */
  siteCost?: (fromSite: string, toSite: string) => number;
}

/** Deployments for the computer (mandatory first), each with its content locations, and its variables. */
export function policyFor(computer: MpComputer, inputs: PolicyInputs): MpPolicy {
  const candidates = inputs.distributionPoints.map((dp) => ({
    id: dp.id,
    url: dp.url,
    config: { site: dp.site, protected: dp.protected },
    has: (packageId: string) => inputs.hasContent(dp.id, packageId),
  }) satisfies ContentLocationCandidate & { url: string });
  const cost = (dp: (typeof candidates)[number]) => inputs.siteCost?.(computer.site, dp.config.site) ?? 0;
  const deployments = inputs.deployments
    .filter((d) => computer.collections.includes(d.collection))
    .sort((a, b) => Number(b.mandatory) - Number(a.mandatory) || a.id.localeCompare(b.id))
    .map((d) => ({
      id: d.id,
      taskSequence: d.taskSequence,
      mandatory: d.mandatory,
      contentLocations: Object.fromEntries(
        d.packages.map((pkg) => [
          pkg,
          contentLocations(pkg, computer.site, candidates, { allowRemote: d.allowRemoteDp ?? false, allowUnprotected: d.allowUnprotectedDp ?? false }, cost)
            .map((dp) => `${dp.url}/SMS_DP_SMSPKG$/${pkg}`),
        ]),
      ),
    }));
  return { deployments, variables: policyVariables(computer, inputs.collections) };
}
