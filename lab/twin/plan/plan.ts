// A whole capacity plan: the scenario as it is, or once per point of a sweep (one after another,
// each in its own twin world), gathered into a PlanDocument.

import type { Scenario } from '../../../scenarios/index.js';
import { planDocument, type PlanDocument } from './plan-document.js';
import { DEFAULT_SAMPLE_INTERVAL_MS, runCapacityPlan, type CapacityPlanOptions, type CapacityRun } from './run-plan.js';
import { scenarioVariant, sweepPoints, type SweepAxis, type SweepPoint } from './sweep.js';

export interface PlanCapacityOptions extends CapacityPlanOptions {
  /** The scenario as the user named it (plan.json's "scenario"); default its absolute path. */
  scenarioName?: string;
  /** Called after each run (each sweep point), in sweep order. */
  onRun?: (point: SweepPoint, run: CapacityRun, index: number, total: number) => void;
}

export async function planCapacity(scenario: Scenario, axes: SweepAxis[], options: PlanCapacityOptions = {}): Promise<PlanDocument> {
  const points = sweepPoints(axes);
  // Build every variant first, so a parameter the scenario cannot take fails before any run.
  const variants = points.map((point) => ({ point, scenario: scenarioVariant(scenario, point) }));
  const runs: { point: SweepPoint; run: CapacityRun }[] = [];
  for (const [i, v] of variants.entries()) {
    options.signal?.throwIfAborted();
    const run = await runCapacityPlan(v.scenario, options);
    runs.push({ point: v.point, run });
    options.onRun?.(v.point, run, i, variants.length);
  }
  return planDocument(
    {
      scenario: options.scenarioName ?? scenario.file,
      name: scenario.name,
      seed: options.seed ?? 1,
      arrivalJitterMs: options.arrivalJitterMs ?? 0,
      sampleIntervalMs: options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS,
    },
    axes,
    runs,
  );
}
