// plan.json and plan.csv: the CapacityReport the HTML report charts, plus the per-phase table and
// one row per sweep point (a plan without --sweep is one row with no parameters). Times are
// seconds rounded to the millisecond; nothing depends on the wall clock, so the same inputs give
// byte-identical files.

import type { CapacityReport, CapacitySweep, SweepRow, UtilisationSeries } from '../../../reports/index.js';
import type { MachineOutcome } from '../../../harness/index.js';
import { TWIN_PHASES, type TwinPhase } from '../observer.js';
import type { CacheFailure, PhaseRow } from './collector.js';
import type { CapacityRun } from './run-plan.js';
import type { SweepAxis, SweepPoint } from './sweep.js';
import type { UtilisationTrack } from './utilisation.js';

export interface PlanRow extends SweepRow {
  clients: number;
  outcomes: Partial<Record<MachineOutcome, number>>;
  unfinished: number;
  cacheFailures: number;
  phases: PhaseRow[];
  /** Highest interval average of any WAN link direction / distribution point, 0..1. */
  peakLinkUtilisation: number;
  peakDpUtilisation: number;
  events: number;
}

export interface PlanDocument {
  scenario: string;
  name: string;
  seed: number;
  arrivalJitterSeconds: number;
  sampleIntervalSeconds: number;
  report: CapacityReport;
  /** One per sweep point, in sweep order; a single row without parameters when nothing is swept. */
  rows: PlanRow[];
  /** The first cache failures of each row (up to 20 per row), with the row's parameters. */
  cacheFailures: (CacheFailure & { parameters: SweepPoint })[];
}

export interface PlanInputs {
  scenario: string;
  name: string;
  seed: number;
  arrivalJitterMs: number;
  sampleIntervalMs: number;
}

const CACHE_FAILURES_KEPT = 20;
const r3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x);

function row(parameters: SweepPoint, run: CapacityRun): PlanRow {
  const peak = (kind: UtilisationTrack['kind']) => r3(Math.max(0, ...run.utilisation.filter((u) => u.kind === kind).map((u) => u.peak)));
  return {
    parameters,
    p50: r3(run.completion.p50),
    p90: r3(run.completion.p90),
    p99: r3(run.completion.p99),
    max: r3(run.completion.max),
    clients: run.machines,
    outcomes: run.outcomes,
    unfinished: run.unfinished,
    cacheFailures: run.cacheFailures.length,
    phases: run.phases.map((p) => ({ phase: p.phase, count: p.count, p50: r3(p.p50), p90: r3(p.p90), p99: r3(p.p99), max: r3(p.max), mean: r3(p.mean) })),
    peakLinkUtilisation: peak('link'),
    peakDpUtilisation: peak('distributionPoint'),
    events: run.events,
  };
}

const series = (tracks: UtilisationTrack[], kind: UtilisationTrack['kind']): UtilisationSeries[] =>
  tracks
    .filter((t) => t.kind === kind)
    .map((t) => ({ name: t.name, capacityBitsPerSecond: t.capacityBitsPerSecond, points: t.points.map((p) => ({ t: r3(p.t), utilisation: r3(p.utilisation) })) }));

const label = (point: SweepPoint) =>
  Object.entries(point)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** The document of a plan: `runs` holds one run per sweep point (one run, one empty point, without a sweep). */
export function planDocument(inputs: PlanInputs, axes: SweepAxis[], runs: { point: SweepPoint; run: CapacityRun }[]): PlanDocument {
  const rows = runs.map(({ point, run }) => row(point, run));
  const swept = axes.length > 0;
  const report: CapacityReport = {
    title: `Capacity plan: ${inputs.name}`,
    completion: runs.flatMap(({ point, run }) =>
      run.groups.map((g) => ({ name: swept ? `${g.name} (${label(point)})` : g.name, completionSeconds: g.completionSeconds.map(r3) })),
    ),
  };
  if (swept) {
    const sweep: CapacitySweep = {
      parameters: axes.map((a) => a.parameter),
      rows: rows.map(({ parameters, p50, p90, p99, max }) => ({ parameters, p50, p90, p99, max })),
      metrics: ['p50', 'p90', 'max'],
    };
    report.sweep = sweep;
  } else {
    const tracks = runs[0]!.run.utilisation;
    report.links = series(tracks, 'link');
    report.distributionPoints = series(tracks, 'distributionPoint');
  }
  return {
    scenario: inputs.scenario,
    name: inputs.name,
    seed: inputs.seed,
    arrivalJitterSeconds: inputs.arrivalJitterMs / 1000,
    sampleIntervalSeconds: inputs.sampleIntervalMs / 1000,
    report,
    rows,
    cacheFailures: runs.flatMap(({ point, run }) => run.cacheFailures.slice(0, CACHE_FAILURES_KEPT).map((f) => ({ ...f, atSeconds: r3(f.atSeconds), parameters: point }))),
  };
}

const csvCell = (v: string | number | undefined) => {
  const s = v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** plan.csv: one line per row; the sweep parameters first, then times in seconds and per-phase p50/p90. */
export function planCsv(doc: PlanDocument): string {
  const parameters = doc.report.sweep?.parameters ?? [];
  const phaseColumns = TWIN_PHASES.flatMap((p) => [`${p}_p50_s`, `${p}_p90_s`]);
  const header = [...parameters, 'machines', 'succeeded', 'failed', 'unfinished', 'p50_s', 'p90_s', 'p99_s', 'max_s', ...phaseColumns, 'cache_failures', 'peak_link_utilisation', 'peak_dp_utilisation'];
  const lines = doc.rows.map((r) => {
    const phase = new Map<TwinPhase, PhaseRow>(r.phases.map((p) => [p.phase, p]));
    return [
      ...parameters.map((p) => r.parameters[p]),
      r.clients,
      r.outcomes.success ?? 0,
      (r.outcomes.failed ?? 0) + (r.outcomes.error ?? 0),
      r.unfinished,
      r.p50,
      r.p90,
      r.p99,
      r.max,
      ...TWIN_PHASES.flatMap((p) => [phase.get(p)?.p50, phase.get(p)?.p90]),
      r.cacheFailures,
      r.peakLinkUtilisation,
      r.peakDpUtilisation,
    ]
      .map(csvCell)
      .join(',');
  });
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
