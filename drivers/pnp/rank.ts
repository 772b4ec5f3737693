// PnP driver ranking (learn.microsoft.com "How Windows ranks drivers", "Identifier score",
// "Driver package rank example"): rank = 0xSSGGTHHH, lower is better.
//   SS   signature score: 0x00 signed; DRIVER_UNTRUSTED_RANK (0x80) unsigned
//   GG   feature score: FeatureScore of the install section, default 0xFF
//   THHH identifier score:
//        device hardware ID #i   = INF hardware ID        0x0000 + i
//        device hardware ID #i   = INF compatible ID      0x1000 + i
//        device compatible ID #i = INF hardware ID        0x2000 + i
//        device compatible ID #i = INF compatible ID #j   0x3000 + 0x100*j + i
// Equal ranks go to the newer DriverVer date, then the higher DriverVer version.
import type { InfFile, InfModel, InfModelsSection } from '../inf/parse.js';
import { bestDecoration, decorationMisfit, infArchitecture, type TargetOs } from '../inf/decoration.js';
import type { DeviceIdentity } from './device-ids.js';

export interface RankableDriver {
  /** Unique within the catalog. */
  id: string;
  inf: InfFile;
  signed: boolean;
}

export interface IdentifierMatch {
  deviceId: string;
  deviceList: 'hardware' | 'compatible';
  /** 0-based position in the device's list. */
  devicePosition: number;
  infList: 'hardware' | 'compatible';
  /** 0-based position among the model line's compatible IDs (0 for its hardware ID). */
  infPosition: number;
}

export interface Candidate<D extends RankableDriver = RankableDriver> {
  driver: D;
  section: InfModelsSection;
  model: InfModel;
  match: IdentifierMatch;
  identifierScore: number;
  featureScore: number;
  signatureScore: number;
  rank: number;
  /** How the rank was computed, in words. */
  reason: string;
}

/** A driver that claims the device only in a models section that does not fit the target. */
export interface Misfit<D extends RankableDriver = RankableDriver> {
  driver: D;
  reason: string;
}

export const DRIVER_UNTRUSTED_RANK = 0x80;

export function formatRank(rank: number): string {
  return `0x${rank.toString(16).toUpperCase().padStart(8, '0')}`;
}

function identifierScore(m: IdentifierMatch): number {
  if (m.deviceList === 'hardware') return (m.infList === 'hardware' ? 0x0000 : 0x1000) + m.devicePosition;
  return m.infList === 'hardware' ? 0x2000 + m.devicePosition : 0x3000 + 0x100 * m.infPosition + m.devicePosition;
}

/** The best identifier match between a device and one model line, if any. */
function bestMatch(device: DeviceIdentity, model: InfModel): IdentifierMatch | undefined {
  let best: { m: IdentifierMatch; score: number } | undefined;
  const consider = (deviceList: IdentifierMatch['deviceList'], ids: string[]) =>
    ids.forEach((deviceId, devicePosition) => {
      const infIds = [model.hardwareId, ...model.compatibleIds];
      infIds.forEach((infId, k) => {
        if (infId !== deviceId) return;
        const m: IdentifierMatch = { deviceId, deviceList, devicePosition, infList: k === 0 ? 'hardware' : 'compatible', infPosition: Math.max(0, k - 1) };
        const score = identifierScore(m);
        if (!best || score < best.score) best = { m, score };
      });
    });
  consider('hardware', device.hardwareIds);
  consider('compatible', device.compatibleIds);
  return best?.m;
}

/** The models sections Windows reads for this target: per manufacturer the closest fitting decoration, else (x86 only) the undecorated one. */
export function applicableSections(inf: InfFile, target: TargetOs): InfModelsSection[] {
  return inf.manufacturers.flatMap((mfr) => {
    const best = bestDecoration(mfr.decorations, target);
    if (best) return inf.modelsSections.filter((s) => s.decoration === best);
    const undecorated = (s: InfModelsSection) => !s.decoration && s.section.toLowerCase() === mfr.modelsSection.toLowerCase();
    return target.architecture === 'x86' ? inf.modelsSections.filter(undecorated) : [];
  });
}

function sectionLabel(s: InfModelsSection): string {
  return s.decoration && !s.section.toLowerCase().endsWith(`.${s.decoration.text.toLowerCase()}`) ? `[${s.section}] read as ${s.decoration.text}` : `[${s.section}]`;
}

function describe(c: Omit<Candidate, 'reason'>): string {
  const { match: m } = c;
  const device = `device ${m.deviceList} ID #${m.devicePosition + 1} ${m.deviceId}`;
  const inf = m.infList === 'hardware' ? 'INF hardware ID' : `INF compatible ID #${m.infPosition + 1}`;
  const signature = c.signatureScore === 0 ? 'signed' : `unsigned (+${formatRank(DRIVER_UNTRUSTED_RANK * 0x1000000)})`;
  const feature = c.featureScore === 0xff ? 'no FeatureScore' : `FeatureScore 0x${c.featureScore.toString(16).toUpperCase()}`;
  return `rank ${formatRank(c.rank)}: ${device} = ${inf} (${sectionLabel(c.section)} line ${c.model.line}); ${signature}; ${feature}; DriverVer ${c.driver.inf.driverVer.date},${c.driver.inf.driverVer.version}`;
}

function misfitReason(device: DeviceIdentity, inf: InfFile, target: TargetOs): string | undefined {
  const arch = infArchitecture(target.architecture);
  const reasons: { ownArch: boolean; text: string }[] = [];
  for (const s of inf.modelsSections) {
    const model = s.models.find((mo) => bestMatch(device, mo));
    if (!model) continue;
    const why = s.decoration
      ? `decoration ${s.decoration.text} ${decorationMisfit(s.decoration, target) ?? 'is not the closest fit'}`
      : `it is undecorated, which ${arch} Windows ignores`;
    reasons.push({ ownArch: s.decoration?.architecture === arch, text: `${sectionLabel(s)} line ${model.line}, but ${why}` });
  }
  // The sections built for the target's architecture explain the miss best.
  reasons.sort((a, b) => Number(b.ownArch) - Number(a.ownArch));
  return reasons.length > 0 ? `claims the device in ${reasons.map((r) => r.text).join('; in ')}` : undefined;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** Windows' order: lower rank, then newer DriverVer date, then higher version; then catalog id, for a stable answer. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  const va = a.driver.inf.driverVer;
  const vb = b.driver.inf.driverVer;
  if (va.date !== vb.date) return va.date > vb.date ? -1 : 1;
  const byVersion = compareVersions(vb.version, va.version);
  return byVersion !== 0 ? byVersion : a.driver.id.localeCompare(b.driver.id);
}

/** Why `a` is ahead of `b` (the next one down), in words. */
export function whyAhead(a: Candidate, b: Candidate): string {
  const other = b.driver.inf.file;
  if (a.rank !== b.rank) return `lower rank than ${other} (${formatRank(a.rank)} < ${formatRank(b.rank)})`;
  const va = a.driver.inf.driverVer;
  const vb = b.driver.inf.driverVer;
  if (va.date !== vb.date) return `same rank as ${other}; newer DriverVer date (${va.date} > ${vb.date})`;
  if (compareVersions(va.version, vb.version) !== 0) return `same rank and date as ${other}; higher DriverVer version (${va.version} > ${vb.version})`;
  return `ties with ${other} on rank, date and version; Windows may pick either (listed by catalog id)`;
}

export function rankDrivers<D extends RankableDriver>(device: DeviceIdentity, drivers: readonly D[], target: TargetOs): { candidates: Candidate<D>[]; misfits: Misfit<D>[] } {
  const candidates: Candidate<D>[] = [];
  const misfits: Misfit<D>[] = [];
  for (const driver of drivers) {
    let best: Candidate<D> | undefined;
    for (const section of applicableSections(driver.inf, target)) {
      for (const model of section.models) {
        const match = bestMatch(device, model);
        if (!match) continue;
        const signatureScore = driver.signed ? 0 : DRIVER_UNTRUSTED_RANK;
        const idScore = identifierScore(match);
        const partial = { driver, section, model, match, identifierScore: idScore, featureScore: model.featureScore, signatureScore, rank: signatureScore * 0x1000000 + model.featureScore * 0x10000 + idScore };
        const c = { ...partial, reason: describe(partial) };
        if (!best || c.rank < best.rank) best = c;
      }
    }
    if (best) candidates.push(best);
    else {
      const reason = misfitReason(device, driver.inf, target);
      if (reason) misfits.push({ driver, reason });
    }
  }
  candidates.sort(compareCandidates);
  return { candidates, misfits };
}
