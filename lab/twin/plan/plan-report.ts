// The capacity page of a plan's report.html: plan.json's CapacityReport, completed with what the page
// draws and plan.json does not keep. plan.json holds utilisation only for a plan without a sweep; the
// page also draws every sweep point's link and distribution-point series, and each completion-time
// percentile against the swept parameter (one line per other parameter value, e.g. multicast on/off).

import type { CapacityReport, UtilisationSeries } from '../../../reports/index.js';
import type { PlanDocument } from './plan-document.js';
import type { SweepPoint } from './sweep.js';
import type { UtilisationTrack } from './utilisation.js';

/** One sweep point's utilisation, as planCapacity's onRun saw the run. */
export interface PlanPointUtilisation {
  point: SweepPoint;
  utilisation: UtilisationTrack[];
}

const label = (point: SweepPoint) =>
  Object.entries(point)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

const pointSeries = (runs: PlanPointUtilisation[], kind: UtilisationTrack['kind']): UtilisationSeries[] =>
  runs.flatMap(({ point, utilisation }) =>
    utilisation.filter((t) => t.kind === kind).map((t) => ({ name: `${t.name} (${label(point)})`, capacityBitsPerSecond: t.capacityBitsPerSecond, points: t.points })),
  );

/**
 * The report's capacity data of a plan. `runs` is each sweep point's utilisation in sweep order; it is
 * read only for a sweep (without one, plan.json's own series of the single run are drawn).
 */
export function planReport(doc: PlanDocument, runs: PlanPointUtilisation[]): CapacityReport {
  const { sweep } = doc.report;
  if (!sweep) return doc.report;
  if (runs.length !== doc.rows.length) throw new Error(`the plan has ${doc.rows.length} sweep points but utilisation of ${runs.length}`);
  return {
    ...doc.report,
    links: pointSeries(runs, 'link'),
    distributionPoints: pointSeries(runs, 'distributionPoint'),
    sweep: { ...sweep, metrics: ['p50', 'p90', 'p99', 'max'] },
  };
}
