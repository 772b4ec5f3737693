// Input of the capacity-plan part of the HTML report. The twin's planner fills it; the report only draws it.
// Times are seconds from the start of the run on the lab's clock (virtual on the twin).

export interface CompletionDistribution {
  /** Client group or scenario variant the clients belong to, e.g. "branch-500 (multicast)". */
  name: string;
  /** Seconds from the run start until each client finished its task sequence: one entry per client. */
  completionSeconds: number[];
}

export interface UtilisationPoint {
  /** Seconds from the run start. */
  t: number;
  /** Share of the capacity in use, 0..1. */
  utilisation: number;
}

export interface UtilisationSeries {
  /** Link or distribution point name, e.g. "WAN HQ–Branch" or "DP01". */
  name: string;
  /** Capacity the utilisation is a share of, for the chart's subtitle. */
  capacityBitsPerSecond?: number;
  points: UtilisationPoint[];
}

export type SweepMetric = 'p50' | 'p90' | 'p99' | 'max';

export interface SweepRow {
  /** Parameter name → value, e.g. {clients: 500, transport: "multicast"}. */
  parameters: Record<string, string | number>;
  /** Completion-time percentiles over the clients of this sweep point, in seconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface CapacitySweep {
  /** The swept parameters in column order. */
  parameters: string[];
  rows: SweepRow[];
  /** Parameter on the x axis of the sweep charts; by default the first one whose values are all numbers. */
  x?: string;
  /** Metrics drawn, one chart each; by default p50 and max. */
  metrics?: SweepMetric[];
}

export interface CapacityReport {
  title?: string;
  completion?: CompletionDistribution[];
  links?: UtilisationSeries[];
  distributionPoints?: UtilisationSeries[];
  sweep?: CapacitySweep;
}
