// Capacity planning on the twin: runs, sweeps, plan.json and plan.csv (docs/capacity-planning.md).

export { planCapacity, type PlanCapacityOptions } from './plan.js';
export { runCapacityPlan, DEFAULT_SAMPLE_INTERVAL_MS, type CapacityPlanOptions, type CapacityRun, type CompletionGroup } from './run-plan.js';
export { parseSweep, sweepPoints, scenarioVariant, SWEEP_PARAMETERS, type SweepAxis, type SweepParameter, type SweepPoint, type SweepValue } from './sweep.js';
export { planDocument, planCsv, type PlanDocument, type PlanRow, type PlanInputs } from './plan-document.js';
export { percentile, distribution, type Distribution } from './percentiles.js';
export { PlanCollector, type CacheFailure, type PhaseRow } from './collector.js';
export { UtilisationSampler, type UtilisationTrack } from './utilisation.js';
export { planReport, type PlanPointUtilisation } from './plan-report.js';
