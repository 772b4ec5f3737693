// Management point: hands out policy. Policy for a newly imported computer or a new deployment
// is not there at once (SQL replication, policy polling; osd-behaviours §15.1): a lag knob.

export interface ManagementPointConfig {
  /** Virtual time (ms) at which policy becomes available; default 0. */
  policyAvailableAtMs?: number;
  /** Time a client takes to fetch policy once available (ms); default 2000. */
  policyRequestMs?: number;
}

export class ManagementPoint {
  constructor(readonly config: ManagementPointConfig = {}) {}

  /** Virtual time at which a client asking at `nowMs` has its policy. */
  policyReadyAt(nowMs: number): number {
    return Math.max(nowMs, this.config.policyAvailableAtMs ?? 0) + (this.config.policyRequestMs ?? 2000);
  }
}
