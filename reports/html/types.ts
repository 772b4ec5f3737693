// Input of the HTML report: the run's result plus what the result JSON does not carry. Every extra is
// optional; a section is drawn only when its data is there.
import type { DiskFacts, RunEnvironment, RunResult } from '../../harness/index.js';
import type { CapacityReport } from './capacity-types.js';

export interface DownloadRecord {
  packageId: string;
  /** Package name as the site knows it. */
  name?: string;
  /** Distribution point the content came from. */
  source?: string;
  bytes: number;
  /** ISO 8601 on the machine's clock, as the step timestamps. */
  start: string;
  end: string;
}

export interface CacheSample {
  /** ISO 8601 on the machine's clock. */
  at: string;
  usedBytes: number;
}

export interface RebootRecord {
  /** ISO 8601 on the machine's clock: when the restart was asked of the firmware. */
  at: string;
  /** Environment the machine restarted into. */
  target: RunEnvironment;
}

export interface MachineReportData {
  /** Disk layout at the end of the run (the machine's facts). */
  disks?: DiskFacts[];
  downloads?: DownloadRecord[];
  cache?: CacheSample[];
  /** Size of the task-sequence or client cache, drawn as the limit on the cache chart. */
  cacheLimitBytes?: number;
  reboots?: RebootRecord[];
}

export interface HtmlReportInput {
  result: RunResult;
  /** Keyed by MachineResult.name. */
  machines?: Record<string, MachineReportData>;
  capacity?: CapacityReport;
  /** Page title; by default the scenario. */
  title?: string;
}
