// What a capacity plan watches while the twin runs: how long each machine spends in each phase of
// its deployment and which downloads the client cache refused. The twin calls an observer when
// one is attached (TwinWorld.observer); without one it does nothing extra.

/** Phases of a deployment as a capacity plan breaks them down. */
export type TwinPhase = 'pxe' | 'bootImage' | 'osImage' | 'drivers' | 'packages' | 'state';

export const TWIN_PHASES: readonly TwinPhase[] = ['pxe', 'bootImage', 'osImage', 'drivers', 'packages', 'state'];

export interface TwinObserver {
  /** A machine spent [startMs, endMs) of virtual time in a phase (a phase may recur: each span is reported). */
  phase(machine: string, phase: TwinPhase, startMs: number, endMs: number): void;
  /** The client cache could not take a package (too small, or locked content in the way). */
  cacheFailure(machine: string, packageId: string, atMs: number, message: string): void;
}
