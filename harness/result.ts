// The result JSON contract (`osdlab run --json`), documented in docs/result-json.md.
// Keep field names stable: CI pipelines and `osdlab report merge` read them.

export type StepStatus = 'success' | 'failed' | 'skipped' | 'disabled' | 'notRun';
export type MachineOutcome = 'success' | 'failed' | 'error';

export interface StepResult {
  /** Position in the tree, e.g. "1/3/2" (1-based indices of group, subgroup, step). */
  path: string;
  name: string;
  type: string;
  /** Groups are reported too, so the timeline can draw them as bands. */
  kind: 'group' | 'step';
  status: StepStatus;
  exitCode?: number;
  /** Why the step was skipped or failed, in the words smsts.log uses. */
  reason?: string;
  /** ISO 8601 timestamps on the machine's clock (virtual on the twin). */
  start?: string;
  end?: string;
}

export interface ExpectationResult {
  what: string;
  pass: boolean;
  expected: unknown;
  actual: unknown;
}

export interface MachineResult {
  name: string;
  /** Matrix axes of this machine, e.g. {firmware: "uefi", arch: "x64"}. */
  axes?: Record<string, string>;
  outcome: MachineOutcome;
  failedStep?: string;
  error?: string;
  steps: StepResult[];
  variables: Record<string, string>;
  expectations: ExpectationResult[];
  pass: boolean;
  /** A capacity group (`clients:`) reported as one entry: its steps are those of the client that finished last. */
  clients?: ClientGroupSummary;
}

export interface ClientGroupSummary {
  count: number;
  /** Outcome → number of clients. */
  outcomes: Partial<Record<MachineOutcome, number>>;
  /** From the start of the run until the last client finished, on the lab's clock. */
  makespanMs: number;
  /** The client that finished last. */
  last?: string;
}

export interface RunResult {
  pass: boolean;
  scenario: string;
  backend: 'twin' | 'qemu';
  startedAt: string;
  finishedAt: string;
  machines: MachineResult[];
}
