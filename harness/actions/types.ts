// The contract between the engine and one action module: what a step may read, write and ask of the machine.
import type { ActionOutcome, MachineFacts, RunEnvironment, TaskSequenceMachine } from '../machine.js';
import type { Step } from '../model.js';
import type { StepType } from '../step-types.js';
import type { SmstsLog } from '../smsts-log.js';

export interface ActionContext {
  step: Step;
  machine: TaskSequenceMachine;
  /** The machine as it was when the step started. */
  facts: MachineFacts;
  signal: AbortSignal;
  log: SmstsLog;
  /**
   * A variable as the step sees it: the environment first, then the step's own value (a "local default"
   * that lives only while the step runs), then the catalogue default.
   */
  variable(name: string): string | undefined;
  /** %VAR% expansion against the same view. */
  expand(text: string): string;
  /**
   * Writes the environment (user names only). A refused write throws VariableRuleError, which fails the step
   * with ConfigMgr's reason unless the action catches it. A secret value is not logged.
   */
  setVariable(name: string, value: string, secret?: boolean): void;
  /** Runs a child task sequence in this environment (Run Task Sequence). */
  runChild(packageId: string): Promise<ActionResult>;
}

export interface ActionResult extends ActionOutcome {
  /** Restart after the step into this environment (Restart Computer, Setup Windows, 3010). */
  restartTo?: RunEnvironment;
  /** After the restart run the same step again (SMSTSRetryRequested). */
  retry?: boolean;
  /** Seconds the restart notification stays up before the restart (Restart Computer's SMSRebootTimeout). */
  restartDelaySeconds?: number;
  /** Why the action failed, in smsts.log's words; the step's reason. */
  reason?: string;
}

export interface ActionModule {
  /** The catalogue entry: class name, short, editor and wizard names, console runIn, variables and defaults. */
  stepType: StepType;
  /** Where the action can run at all (osd-behaviours §2.28); a step outside it fails. */
  environments: readonly RunEnvironment[];
  /** Checks the step's resolved variables before running; returns the problem that fails the step. */
  validate?(ctx: ActionContext): string | undefined;
  run(ctx: ActionContext): Promise<ActionResult>;
}

/** Win32 codes the engine reports for failures that are not a process's exit code. */
export const WIN32 = {
  /** E_FAIL as the unsigned decimal smsts.log prints ("exit win32 code 2147500037"). */
  fail: 0x80004005,
  invalidParameter: 87,
  notSupported: 50,
  timeout: 1460,
  fileNotFound: 2,
  rebootRequired: 3010,
} as const;
