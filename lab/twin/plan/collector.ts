// What a capacity plan records of each machine while the twin runs: time spent per phase (the
// twin reports spans through TwinObserver), when its task sequence ended, and every download the
// client cache refused. Per machine it keeps six numbers, so 10^5 clients stay cheap.

import { TWIN_PHASES, type TwinObserver, type TwinPhase } from '../observer.js';
import { distribution, type Distribution } from './percentiles.js';

export interface CacheFailure {
  machine: string;
  packageId: string;
  /** Seconds from the start of the run. */
  atSeconds: number;
  message: string;
}

/** Per-phase times over the machines that went through the phase, in seconds. */
export interface PhaseRow extends Distribution {
  phase: TwinPhase;
  mean: number;
}

const PHASE_INDEX = new Map(TWIN_PHASES.map((p, i) => [p, i]));

export class PlanCollector implements TwinObserver {
  private readonly phaseMs = new Map<string, Float64Array>();
  /** Machine → ms from the start when its task sequence ended, in the order they ended. */
  readonly completedMs = new Map<string, number>();
  readonly cacheFailures: CacheFailure[] = [];

  phase(machine: string, phase: TwinPhase, startMs: number, endMs: number): void {
    let spans = this.phaseMs.get(machine);
    if (!spans) {
      spans = new Float64Array(TWIN_PHASES.length).fill(NaN);
      this.phaseMs.set(machine, spans);
    }
    const i = PHASE_INDEX.get(phase)!;
    spans[i] = (Number.isNaN(spans[i]!) ? 0 : spans[i]!) + (endMs - startMs);
  }

  cacheFailure(machine: string, packageId: string, atMs: number, message: string): void {
    this.cacheFailures.push({ machine, packageId, atSeconds: atMs / 1000, message });
  }

  completed(machine: string, atMs: number): void {
    this.completedMs.set(machine, atMs);
  }

  /** One row per phase that any machine went through, in TWIN_PHASES order. */
  phaseTable(): PhaseRow[] {
    return TWIN_PHASES.flatMap((phase, i) => {
      const seconds: number[] = [];
      for (const spans of this.phaseMs.values()) if (!Number.isNaN(spans[i]!)) seconds.push(spans[i]! / 1000);
      if (seconds.length === 0) return [];
      const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
      return [{ phase, ...distribution(seconds), mean }];
    });
  }
}
