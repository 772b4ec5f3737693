// The task-sequence engine (TSManager's part): runs the tree strictly in order, applies conditions,
// disabled flags and continue-on-error recursively (osd-behaviours §1.3), keeps the environment across
// restarts, and writes smsts.log. Semantics choices are in docs/engine.md.
import { evaluateCondition } from './conditions.js';
import { actionFor, GENERIC_ACTION } from './actions/table.js';
import { WIN32, type ActionContext, type ActionResult } from './actions/types.js';
import { environmentVariables, startupVariables, taskSequenceType, type DeploymentContext } from './builtin-variables.js';
import { faultsEndTheRun, RunFault, toFault } from './engine/faults.js';
import { runInProblem } from './engine/run-in.js';
import { stepVariableView } from './engine/step-view.js';
import type { ActionOutcome, MachineFacts, RunEnvironment, TaskSequenceMachine } from './machine.js';
import type { Group, Step, TaskSequence, TaskSequenceNode } from './model.js';
import type { MachineOutcome, StepResult, StepStatus } from './result.js';
import { InputError } from '../scenarios/index.js';
import { SmstsLog } from './smsts-log.js';
import { deploymentLayers, expandVariables, VariableRuleError, VariableStore, type DeploymentVariables } from './variables.js';

/** Run Task Sequence nesting the engine accepts before failing the step (ConfigMgr states no limit; see docs/engine.md). */
export const DEFAULT_MAX_CHILD_DEPTH = 8;

export interface RunTaskSequenceOptions {
  sequence: TaskSequence;
  machine: TaskSequenceMachine;
  /** Collection, computer and media variables of the deployment. */
  variables?: DeploymentVariables;
  /** Deployment facts for the built-in variables (_SMSTSPackageID, _SMSTSAdvertID, _SMSTSType …). */
  deployment?: Partial<DeploymentContext>;
  /** Where smsts.log goes; by default a new log on the machine's clock. */
  log?: SmstsLog;
  /** Ends the run as an error (a harness time limit); the task sequence itself cannot be cancelled. */
  signal?: AbortSignal;
  /** The child sequence of a Run Task Sequence step, by package ID. */
  resolveSubTaskSequence?: (packageId: string, signal: AbortSignal) => Promise<TaskSequence | undefined>;
  /** Fault injection: an outcome returned here replaces the step's action (ts run --fail, scenario faults). */
  injectResult?: (step: Step, path: string) => ActionOutcome | undefined;
  maxChildDepth?: number;
}

/** What TSManager persists on the disk across a restart: everything needed to resume. */
export interface EngineState {
  variables: Record<string, string>;
  nextInstructionPointer: number;
  bootCount: number;
}

export interface RunTaskSequenceResult {
  outcome: MachineOutcome;
  failedStep?: string;
  /** Why the run ended early: the failed step's reason, or the fault for outcome "error". */
  error?: string;
  steps: StepResult[];
  variables: Record<string, string>;
  reboots: number;
  log: SmstsLog;
}

interface RestartRequest {
  target: RunEnvironment;
  retry: boolean;
  delaySeconds: number;
}

/** How a node ended, as its parent sees it. */
type Flow = 'continue' | 'failed' | 'halted';

const DEFAULT_SUCCESS_CODES = [0, 3010];
/** "≤ 1,000 variables per computer" (osd-behaviours §3.1). */
const MAX_COMPUTER_VARIABLES = 1000;

export async function runTaskSequence(options: RunTaskSequenceOptions): Promise<RunTaskSequenceResult> {
  return new Execution(options).run();
}

class Execution {
  private env = new VariableStore();
  private facts!: MachineFacts;
  private readonly results: StepResult[] = [];
  private readonly pointers = new Map<TaskSequenceNode, number>();
  private tableSize = 0;
  private reboots = 0;
  private failedStep?: string;
  private failure?: string;
  private readonly children: string[] = [];
  /** Set when a child sequence halted (restart failure): the parent step ends the run too. */
  private halted?: string;
  private readonly log: SmstsLog;
  private readonly signal: AbortSignal;
  private readonly machine: TaskSequenceMachine;

  constructor(private readonly options: RunTaskSequenceOptions) {
    this.machine = faultsEndTheRun(options.machine);
    this.signal = options.signal ?? new AbortController().signal;
    this.log = options.log ?? new SmstsLog({ now: () => this.machine.clock.now() });
  }

  async run(): Promise<RunTaskSequenceResult> {
    const { sequence } = this.options;
    let outcome: MachineOutcome;
    try {
      this.facts = await this.machine.facts(this.signal);
      this.log.info('Starting Task Sequence Engine . . .', 'tsmanager.cpp:1001');
      this.log.info('Parsing task sequence . . .', 'tsmanager.cpp:1052');
      this.compile(sequence.children);
      this.initialise();
      this.log.info('The task execution engine started execution', 'engine.cxx:214');
      const flow = await this.runNodes(sequence.children, '', undefined);
      outcome = flow === 'continue' ? 'success' : 'failed';
    } catch (err) {
      if (!(err instanceof RunFault)) throw err;
      this.failure = err.message;
      this.log.error(`Task sequence execution ended by a fault: ${err.message}`, 'tsmanager.cpp:1391');
      this.closeAfterFault(sequence.children, err.message);
      outcome = 'error';
    }
    this.finish(outcome);
    return {
      outcome,
      ...(outcome !== 'success' && this.failedStep !== undefined ? { failedStep: this.failedStep } : {}),
      ...(outcome !== 'success' && this.failure !== undefined ? { error: this.failure } : {}),
      steps: this.results,
      variables: this.env.snapshot(),
      reboots: this.reboots,
      log: this.log,
    };
  }

  /** After a fault the nodes in flight fail with it and every node not reached yet is reported as not run. */
  private closeAfterFault(nodes: TaskSequenceNode[], reason: string): void {
    const end = this.now();
    for (const r of this.results) {
      if (r.status !== 'notRun' || r.start === undefined || r.end !== undefined) continue;
      Object.assign(r, { status: 'failed', reason, end });
      if (r.kind === 'step') this.failedStep = r.name;
    }
    const seen = new Set(this.results.map((r) => r.path));
    const visit = (list: TaskSequenceNode[], prefix: string) =>
      list.forEach((n, i) => {
        const path = prefix ? `${prefix}/${i + 1}` : String(i + 1);
        if (!seen.has(path)) this.markTree(n, path, 'notRun', undefined);
        else if (n.kind === 'group') visit(n.children, path);
      });
    visit(nodes, '');
  }

  /** Instruction pointers in document order, groups included, as TSManager's instruction table numbers them. */
  private compile(nodes: TaskSequenceNode[]): void {
    for (const node of nodes) {
      this.pointers.set(node, this.tableSize++);
      if (node.kind === 'group') this.compile(node.children);
    }
  }

  private initialise(): void {
    const { sequence, variables = {}, deployment = {} } = this.options;
    const globals = Object.fromEntries(sequence.globalVariables.map((v) => [v.name, v.value]));
    for (const layer of deploymentLayers(variables, globals)) {
      if (layer.source === 'computer' && Object.keys(layer.variables).length > MAX_COMPUTER_VARIABLES) {
        throw new InputError({ path: 'variables.computer', message: `${Object.keys(layer.variables).length} computer variables; ConfigMgr allows at most ${MAX_COMPUTER_VARIABLES}` });
      }
      for (const [name, value] of Object.entries(layer.variables)) {
        try {
          this.setGlobal(name, value, 'user');
        } catch (err) {
          if (err instanceof VariableRuleError) throw new InputError({ file: layer.source === 'taskSequence' ? sequence.file : undefined, path: `variables.${layer.source}.${name}`, message: err.message });
          throw err;
        }
      }
    }
    const context: DeploymentContext = {
      type: deployment.type ?? taskSequenceType(sequence.children),
      packageId: deployment.packageId ?? sequence.packageId,
      packageName: deployment.packageName ?? sequence.name,
      ...deployment,
    };
    for (const [name, value] of Object.entries(startupVariables(this.facts, context))) this.setGlobal(name, value, 'engine');
    this.setGlobal('_SMSTSInstructionTableSize', String(this.tableSize), 'engine');
    this.applyLogMaxSize();
  }

  private setGlobal(name: string, value: string, writer: 'engine' | 'user', secret = false): void {
    this.env.set(name, value, writer);
    const shown = secret || /password/i.test(name) ? '(hidden)' : value;
    this.log.verbose(`Set a global environment variable ${name.trim()}=${shown}`, 'executionenv.cxx:662');
  }

  private applyLogMaxSize(): void {
    const size = Number(this.env.get('SMSTSLogMaxSize'));
    if (Number.isInteger(size) && size > 0) this.log.maxSizeBytes = size;
  }

  private async runNodes(nodes: TaskSequenceNode[], parentPath: string, parent: Group | undefined): Promise<Flow> {
    for (const [i, node] of nodes.entries()) {
      const path = parentPath ? `${parentPath}/${i + 1}` : String(i + 1);
      const flow = node.kind === 'group' ? await this.runGroup(node, path) : await this.runStep(node, path, parent);
      if (flow !== 'continue') {
        nodes.slice(i + 1).forEach((rest, j) => this.markTree(rest, parentPath ? `${parentPath}/${i + 2 + j}` : String(i + 2 + j), 'notRun', undefined));
        return flow;
      }
    }
    return 'continue';
  }

  /** Records a node that is not executed (and its subtree) with one status. */
  private markTree(node: TaskSequenceNode, path: string, status: StepStatus, reason: string | undefined): StepResult {
    const entry = this.record(node, path, status, reason);
    if (node.kind === 'group') {
      const inherited = status === 'notRun' ? undefined : `The parent group (${node.name}) was ${status === 'disabled' ? 'disabled' : 'skipped'}`;
      node.children.forEach((c, i) => this.markTree(c, `${path}/${i + 1}`, status, inherited));
    }
    return entry;
  }

  private record(node: TaskSequenceNode, path: string, status: StepStatus, reason?: string): StepResult {
    const entry: StepResult = { path, name: node.name, type: node.kind === 'group' ? 'group' : node.type, kind: node.kind, status };
    if (reason !== undefined) entry.reason = reason;
    this.results.push(entry);
    return entry;
  }

  private now(): string {
    return new Date(this.machine.clock.now()).toISOString();
  }

  private async condition(node: TaskSequenceNode): Promise<{ value: boolean; error?: string }> {
    if (!node.condition) return { value: true };
    const outcome = await evaluateCondition(node.condition, {
      variable: (n) => this.env.get(n),
      expand: (t) => expandVariables(t, (n) => this.env.get(n)),
      machine: this.machine,
      facts: this.facts,
      signal: this.signal,
    });
    for (const line of outcome.log) this.log.verbose(line, 'instruction.cxx:700');
    return outcome;
  }

  private async runGroup(group: Group, path: string): Promise<Flow> {
    if (group.disabled) {
      this.log.info(`The group (${group.name}) has been skipped because it is disabled`, 'instruction.cxx:105');
      this.markTree(group, path, 'disabled', 'The group is disabled');
      return 'continue';
    }
    const start = this.now();
    const condition = await this.condition(group);
    if (condition.error === undefined && !condition.value) {
      this.log.info(`The group (${group.name}) has been skipped because the condition is evaluated to be false`, 'instruction.cxx:120');
      const skipped = this.markTree(group, path, 'skipped', 'The condition is evaluated to be false');
      skipped.start = skipped.end = start;
      return 'continue';
    }
    const entry = this.record(group, path, 'notRun');
    entry.start = start;
    let flow: Flow;
    if (condition.error !== undefined) {
      entry.reason = `Failed to evaluate the condition of the group: ${condition.error}`;
      this.log.error(`Failed to evaluate the condition for the group (${group.name}): ${condition.error}`, 'instruction.cxx:128');
      group.children.forEach((c, i) => this.markTree(c, `${path}/${i + 1}`, 'notRun', undefined));
      flow = 'failed';
    } else {
      this.log.info(`The group (${group.name}) has been successfully started`, 'instruction.cxx:159');
      flow = await this.runNodes(group.children, path, group);
    }
    entry.end = this.now();
    if (flow === 'continue') {
      entry.status = 'success';
      this.log.info(`The group (${group.name}) has been successfully completed`, 'instruction.cxx:201');
      return 'continue';
    }
    entry.status = 'failed';
    entry.reason ??= flow === 'halted' ? 'The task sequence was halted' : 'An action failed';
    this.log.error(`The execution of the group (${group.name}) has failed and the execution has been aborted. An action failed.`, 'engine.cxx:269');
    if (flow === 'failed' && group.continueOnError) {
      this.log.info(`The execution engine ignored the failure of the group (${group.name}) and continues execution`, 'engine.cxx:302');
      return 'continue';
    }
    return flow;
  }

  private async runStep(step: Step, path: string, parent: Group | undefined): Promise<Flow> {
    if (step.disabled) {
      this.log.info(`The action (${step.name}) has been skipped because it is disabled`, 'instruction.cxx:613');
      this.record(step, path, 'disabled', 'The action is disabled');
      return 'continue';
    }
    const entry = this.record(step, path, 'notRun');
    entry.start = this.now();
    const condition = await this.condition(step);
    if (condition.error === undefined && !condition.value) {
      this.log.info(`The action (${step.name}) has been skipped because the condition is evaluated to be false`, 'instruction.cxx:696');
      entry.status = 'skipped';
      entry.reason = 'The condition is evaluated to be false';
      entry.end = entry.start;
      return 'continue';
    }
    const pointer = this.pointers.get(step) ?? 0;
    let result: ActionResult;
    let halted: string | undefined;
    let haltedInChild = false;
    while (true) {
      this.log.info(`Start executing an instruction. Instruction name: ${step.name}. Instruction pointer: ${pointer}`, 'engine.cxx:143');
      this.setGlobal('_SMSTSCurrentActionName', step.name, 'engine');
      this.setGlobal('_SMSTSNextInstructionPointer', String(pointer), 'engine');
      if (condition.error !== undefined) {
        result = { exitCode: WIN32.fail, reason: `Failed to evaluate the condition: ${condition.error}` };
        break;
      }
      if (step.condition) this.log.info(`The condition for the action (${step.name}) is evaluated to be true`, 'instruction.cxx:716');
      result = await this.execute(step, path);
      if (this.halted !== undefined) {
        halted = this.halted;
        haltedInChild = true;
        break;
      }
      if (!this.isSuccess(step, result)) break;
      this.log.info(`Successfully completed the action (${step.name}) with the exit win32 code ${result.exitCode}`, 'instruction.cxx:857');
      this.setGlobal('_SMSTSLastActionRetCode', String(result.exitCode), 'engine');
      this.setGlobal('_SMSTSLastActionSucceeded', 'true', 'engine');
      const restart = this.restartRequest(step, result);
      if (!restart) break;
      const booted = await this.restart(step, pointer, restart);
      if (booted !== undefined) {
        halted = booted;
        break;
      }
      if (!restart.retry) break;
      this.log.info(`Resuming the action (${step.name}) that requested a retry`, 'engine.cxx:311');
    }
    entry.end = this.now();
    entry.exitCode = result.exitCode;
    if (halted !== undefined) {
      entry.status = 'failed';
      entry.reason = halted;
      if (!haltedInChild) this.failedStep = step.name;
      this.failure = halted;
      return 'halted';
    }
    if (this.isSuccess(step, result) && condition.error === undefined) {
      entry.status = 'success';
      return 'continue';
    }
    entry.status = 'failed';
    // The action's own last words explain a failure best, as its log lines do in smsts.log.
    entry.reason = result.reason ?? result.output?.at(-1) ?? `The action failed with exit code ${result.exitCode}`;
    this.setGlobal('_SMSTSLastActionRetCode', String(result.exitCode), 'engine');
    this.setGlobal('_SMSTSLastActionSucceeded', 'false', 'engine');
    this.log.error(
      `Failed to run the action: ${step.name}. \r\n${entry.reason} (Error: ${hex(result.exitCode)}; Source: Windows)`,
      'instruction.cxx:960',
    );
    if (step.continueOnError) {
      this.log.info(`The execution engine ignored the failure of the action (${step.name}) and continues execution`, 'engine.cxx:302');
      return 'continue';
    }
    this.failedStep = step.name;
    this.failure = entry.reason;
    if (parent) this.log.info(`Let the parent group (${parent.name}) decides whether to continue execution`, 'engine.cxx:263');
    return 'failed';
  }

  private isSuccess(step: Step, result: ActionResult): boolean {
    const codes = step.successCodes.length > 0 ? step.successCodes : DEFAULT_SUCCESS_CODES;
    return result.reason === undefined && codes.includes(result.exitCode);
  }

  /** A restart the step asked for: by its action, by exit code 3010, or through SMSTSRebootRequested. */
  private restartRequest(step: Step, result: ActionResult): RestartRequest | undefined {
    const requested = (this.env.get('SMSTSRebootRequested') ?? '').toLowerCase();
    const retry = result.retry === true || (this.env.get('SMSTSRetryRequested') ?? '').toLowerCase() === 'true';
    // SMSTSRebootDelay: seconds the engine's own restart notification stays up (0 = none).
    const engineDelay = Number(this.env.get('SMSTSRebootDelay') ?? '0');
    const delaySeconds = result.restartDelaySeconds ?? (Number.isFinite(engineDelay) && engineDelay > 0 ? engineDelay : 0);
    if (result.restartTo) return { target: result.restartTo, retry, delaySeconds };
    if (requested === 'winpe') return { target: 'WinPE', retry, delaySeconds };
    if (requested === 'hd') return { target: 'FullOS', retry, delaySeconds };
    if (requested === 'true' || result.rebootRequested || result.exitCode === WIN32.rebootRequired) {
      this.log.info(`The action (${step.name}) requested a reboot`, 'engine.cxx:283');
      return { target: this.facts.environment, retry, delaySeconds };
    }
    return undefined;
  }

  /** Runs the step's action with its attempts and its timeout; never throws for a failed action. */
  private async execute(step: Step, path: string): Promise<ActionResult> {
    const injected = this.options.injectResult?.(step, path);
    if (injected) {
      this.log.info(`Start executing the command line: ${expandVariables(step.action, (n) => this.env.get(n))} (result injected: exit code ${injected.exitCode})`, 'instruction.cxx:732');
      this.applyOutcomeVariables(injected);
      return injected;
    }
    const module = actionFor(step.type);
    const environments = module?.environments ?? GENERIC_ACTION.environments;
    const misplaced = runInProblem(step.runIn, environments, this.facts.environment);
    if (misplaced) return { exitCode: WIN32.notSupported, reason: misplaced };
    const ctx = this.context(step, path);
    for (const v of step.variables) this.log.verbose(`Set a local default variable ${v.name}`, 'executionenv.cxx:694');
    const problem = module?.validate?.(ctx);
    if (problem) return { exitCode: WIN32.invalidParameter, reason: problem };
    const action = module ?? GENERIC_ACTION;
    // A write the environment refuses (an output variable with a bad name, a read-only name) fails the step.
    const run = () =>
      action.run(ctx).catch((err: unknown): ActionResult => {
        if (err instanceof VariableRuleError) return { exitCode: WIN32.invalidParameter, reason: err.message };
        throw err;
      });
    let result: ActionResult = { exitCode: WIN32.fail };
    for (let attempt = 0; attempt <= step.retryCount; attempt++) {
      if (attempt > 0) this.log.warning(`Retrying the action (${step.name}): attempt ${attempt + 1} of ${step.retryCount + 1}`, 'instruction.cxx:902');
      result = await this.withTimeout(step, run);
      this.applyOutcomeVariables(result);
      if (this.halted !== undefined || this.isSuccess(step, result)) break;
    }
    return result;
  }

  private applyOutcomeVariables(outcome: ActionOutcome): void {
    for (const [name, value] of Object.entries(outcome.variables ?? {})) {
      try {
        this.setGlobal(name, value, 'engine');
      } catch (err) {
        if (!(err instanceof VariableRuleError)) throw err;
        this.log.warning(`The machine reported variable "${name}" that cannot be set: ${err.message}`, 'executionenv.cxx:700');
      }
    }
  }

  private async withTimeout(step: Step, run: () => Promise<ActionResult>): Promise<ActionResult> {
    if (step.timeoutSeconds === undefined || step.timeoutSeconds <= 0) return run();
    const timer = new AbortController();
    const expired = this.machine.clock.sleep(step.timeoutSeconds * 1000, timer.signal).then(
      () => 'expired' as const,
      () => 'cancelled' as const,
    );
    const action = run();
    // The action may settle after it lost the race; its result (or fault) no longer matters.
    action.catch(() => undefined);
    const winner = await Promise.race([action, expired]);
    timer.abort();
    if (winner === 'expired') {
      return { exitCode: WIN32.timeout, reason: `The action timed out after ${step.timeoutSeconds} seconds. This operation returned because the timeout period expired.` };
    }
    if (winner === 'cancelled') return action;
    return winner;
  }

  private context(step: Step, path: string): ActionContext {
    const view = stepVariableView(step, (name) => this.env.get(name));
    return {
      step,
      machine: this.machine,
      facts: this.facts,
      signal: this.signal,
      log: this.log,
      variable: view,
      expand: (text) => expandVariables(text, view),
      setVariable: (name, value, secret) => this.setGlobal(name, value, 'user', secret),
      runChild: (packageId) => this.runChild(path, packageId),
    };
  }

  /** Waits on the machine's clock; only the harness abort interrupts it, which is a fault. */
  private async pause(seconds: number): Promise<void> {
    try {
      await this.machine.clock.sleep(seconds * 1000, this.signal);
    } catch (err) {
      throw toFault(err);
    }
  }

  private async restart(step: Step, pointer: number, { target, retry, delaySeconds }: RestartRequest): Promise<string | undefined> {
    const facts = await this.machine.facts(this.signal);
    const formatted = facts.disks.some((d) => d.partitions.some((p) => p.fileSystem !== undefined));
    if (!formatted) {
      const reason = 'There is no formatted partition to save the task sequence environment before the restart; the task sequence fails regardless of continue on error';
      this.log.error(`Failed to save the current environment block. ${reason}`, 'executionenv.cxx:836');
      return reason;
    }
    if (retry) this.log.info(`The action (${step.name}) requested a retry`, 'engine.cxx:299');
    this.log.info(target === 'WinPE' ? 'Reboot to WinPE' : 'Reboot to local harddisk', 'engine.cxx:500');
    const next = retry ? pointer : pointer + 1;
    this.setGlobal('_SMSTSNextInstructionPointer', String(next), 'engine');
    if (delaySeconds > 0) await this.pause(delaySeconds);
    this.log.info('Calling RebootSystem()', 'engine.cxx:614');
    // The environment goes to disk as TSManager's does; what comes back is all the engine keeps.
    const saved: EngineState = JSON.parse(
      JSON.stringify({ variables: this.env.snapshot(), nextInstructionPointer: next, bootCount: this.reboots + 1 } satisfies EngineState),
    );
    const outcome = await this.machine.restart(target, this.signal);
    if (!outcome.booted) {
      for (const line of outcome.console ?? []) this.log.error(line, 'engine.cxx:620', 'Reboot');
      const reason = `The computer did not come back after the restart: ${outcome.reason}`;
      this.log.error(reason, 'engine.cxx:620');
      return reason;
    }
    this.reboots = saved.bootCount;
    this.env = VariableStore.fromSnapshot(saved.variables);
    this.facts = outcome.facts;
    this.log.info(`Resuming Task Sequence in ${outcome.environment === 'WinPE' ? 'WinPE' : 'Full OS'}`, 'tsmanager.cpp:790');
    this.log.info(`NextInstructionPointer: ${saved.nextInstructionPointer}`, 'tsmanager.cpp:794');
    for (const [name, value] of Object.entries(environmentVariables(outcome.facts))) this.setGlobal(name, value, 'engine');
    for (const name of ['SMSTSRebootRequested', 'SMSTSRetryRequested']) {
      if (this.env.has(name)) this.setGlobal(name, '', 'user');
    }
    return undefined;
  }

  private async runChild(path: string, packageId: string): Promise<ActionResult> {
    const depth = this.children.length + 1;
    const max = this.options.maxChildDepth ?? DEFAULT_MAX_CHILD_DEPTH;
    const mainId = this.options.sequence.packageId;
    if (packageId.toLowerCase() === mainId?.toLowerCase() || this.children.some((c) => c.toLowerCase() === packageId.toLowerCase())) {
      return { exitCode: WIN32.fail, reason: `Task sequence ${packageId} runs itself (a Run Task Sequence cycle)` };
    }
    if (depth > max) return { exitCode: WIN32.fail, reason: `Run Task Sequence is nested more than ${max} levels deep` };
    const resolve = this.options.resolveSubTaskSequence;
    let child: TaskSequence | undefined;
    try {
      child = resolve ? await resolve(packageId, this.signal) : undefined;
    } catch (err) {
      return { exitCode: WIN32.fileNotFound, reason: `The child task sequence ${packageId} cannot be read: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (!child) return { exitCode: WIN32.fileNotFound, reason: `The child task sequence ${packageId} cannot be found` };
    this.compile(child.children);
    this.log.info(`Running child task sequence ${packageId}${child.name ? ` (${child.name})` : ''}`, 'subtasksequence.cpp:210');
    this.children.push(packageId);
    const flow = await this.runNodes(child.children, path, undefined);
    this.children.pop();
    if (flow === 'halted') {
      this.halted = this.failure;
      return { exitCode: WIN32.fail, reason: this.failure };
    }
    return flow === 'continue' ? { exitCode: 0 } : { exitCode: WIN32.fail, reason: `The child task sequence ${packageId} failed` };
  }

  private finish(outcome: MachineOutcome): void {
    if (outcome === 'success') {
      this.log.info('Task sequence completed 0x00000000', 'tsmanager.cpp:1250');
      return;
    }
    if (this.failedStep) this.log.error(`Failed to run the last action: ${this.failedStep}. Execution of task sequence failed.`, 'engine.cxx:246');
    this.log.error('Task Sequence Engine failed! Code: enExecutionFail', 'tsmanager.cpp:1252');
    this.log.error(`Task sequence execution failed with error code ${hex(WIN32.fail)}`, 'tsmanager.cpp:1253');
  }
}

function hex(code: number): string {
  return (code >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
