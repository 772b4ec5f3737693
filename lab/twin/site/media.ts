// Task-sequence media (osd-behaviours §6): boot, stand-alone, prestaged and capture media,
// with a password, an expiry and an architecture that is not checked before the run starts.

import type { Architecture } from '../../../harness/index.js';

export type MediaKind = 'boot' | 'standalone' | 'prestaged' | 'capture';

export interface TwinMediaConfig {
  kind: MediaKind;
  architecture: Architecture;
  bootImage: string;
  password?: string;
  /** Virtual time (ms) after which the media is no longer valid. */
  expiresAtMs?: number;
  /** Stand-alone and prestaged media: packages carried on the media. */
  packages?: string[];
}

export type MediaStart =
  | { ok: true; bootedFrom: 'bootMedia' | 'standaloneMedia' | 'prestagedMedia'; needsNetwork: boolean; architectureMismatch: boolean }
  | { ok: false; reason: string; stallsForUser: boolean };

/** What happens when a machine boots this media. */
export function startFromMedia(media: TwinMediaConfig, machineArch: Architecture, nowMs: number, attended: boolean): MediaStart {
  if (media.expiresAtMs !== undefined && nowMs > media.expiresAtMs) {
    return { ok: false, reason: 'the task sequence media has expired and is no longer valid', stallsForUser: false };
  }
  if (media.password !== undefined && !attended) {
    return { ok: false, reason: 'the media asks for its password and nobody is there to type it', stallsForUser: true };
  }
  const bootedFrom = media.kind === 'standalone' ? 'standaloneMedia' : media.kind === 'prestaged' ? 'prestagedMedia' : 'bootMedia';
  // "the task sequence will attempt to run even if the architecture specified does not match" (§6.2).
  return { ok: true, bootedFrom, needsNetwork: media.kind !== 'standalone', architectureMismatch: media.architecture !== machineArch };
}
