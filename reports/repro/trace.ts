// What a field smsts.log shows about one run of a task sequence: the groups and steps TSManager executed, in
// order and nested as the log opens and closes groups, each with its outcome and exit code; the restarts; the
// variables it printed; and the machine facts it let slip. Messages are TSManager's own (ts-formats §c.2);
// MDT's standalone engine is the same TSManager, and BDD.log's "Property X is now = Y" lines add Gather's facts.
import type { FieldLogLine } from './field-log.js';

export type FieldStatus = 'success' | 'failed' | 'skipped' | 'disabled';

export interface FieldStep {
  kind: 'step';
  name: string;
  /** TSManager's instruction pointer, when the log gives it. */
  pointer?: number;
  /** undefined while the log has not said how it ended (a log cut short). */
  status?: FieldStatus;
  exitCode?: number;
  /** The step's own command line (the first one it ran). */
  command?: string;
  /** The error text TSManager gave with the failure. */
  error?: string;
  /** "The execution engine ignored the failure". */
  continueOnError?: boolean;
  /** The environment the step started in, when the log showed it by then. */
  environment?: 'WinPE' | 'FullOS';
  /** Where the restart after this step went (smsboot.exe /target:, "Reboot to local harddisk"). */
  restartTo?: 'WinPE' | 'FullOS';
  /** 1-based line of the log where the step starts. */
  line: number;
}

export interface FieldGroup {
  kind: 'group';
  name: string;
  status: FieldStatus;
  children: FieldNode[];
  line: number;
}

export type FieldNode = FieldStep | FieldGroup;

export interface FieldFacts {
  firmware?: 'uefi' | 'bios';
  arch?: 'x64' | 'x86';
  memoryMB?: number;
  machineName?: string;
  mac?: string;
  nicName?: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
  uuid?: string;
  /** The environment of the first step. */
  startsIn?: 'WinPE' | 'FullOS';
  /** _SMSTSLaunchMode (PXE, SMSTSMedia, ...), _SMSTSMediaType. */
  launchMode?: string;
  mediaType?: string;
  packageId?: string;
  packageName?: string;
}

export interface FieldTrace {
  engine: 'ConfigMgr' | 'MDT';
  nodes: FieldNode[];
  facts: FieldFacts;
  /** Every variable the log printed with a value, in order; the last value wins. */
  variables: Map<string, string>;
  outcome: 'success' | 'failed' | 'unknown';
  failedStep?: string;
}

const RULES: { re: RegExp; on: (t: TraceBuilder, m: RegExpExecArray, l: FieldLogLine) => void }[] = [
  { re: /^Start executing an instruction\. Instruction name: (.*)\. Instruction pointer: (\d+)/, on: (t, m, l) => t.instruction(m[1], Number(m[2]), l.line) },
  { re: /^The group \((.*)\) has been successfully started/, on: (t, m, l) => t.groupStarted(m[1], l.line) },
  { re: /^The group \((.*)\) has been successfully completed/, on: (t, m) => t.groupEnded(m[1], 'success') },
  { re: /^The execution of the group \((.*)\) has failed/, on: (t, m) => t.groupEnded(m[1], 'failed') },
  { re: /^The group \((.*)\) has been skipped because (?:the condition is evaluated to be false|it is disabled)/, on: (t, m, l) => t.groupSkipped(m[1], /disabled/.test(m[0]), l.line) },
  { re: /^The action \((.*)\) has been skipped because (?:the condition is evaluated to be false|it is disabled)/, on: (t, m, l) => t.stepSkipped(m[1], /disabled/.test(m[0]), l.line) },
  { re: /^Successfully completed the action \((.*)\) with the exit win32 code (\d+)/, on: (t, m, l) => t.stepEnded(m[1], 'success', Number(m[2]), l.line) },
  { re: /^Failed to run the action: (.*?)\.?\s*(?:\n([\s\S]*))?$/, on: (t, m, l) => t.stepFailed(m[1], m[2], l.line) },
  { re: /^The execution engine ignored the failure of the action \((.*)\)/, on: (t, m) => t.ignoredFailure(m[1]) },
  { re: /^Process completed with exit code (\d+)/, on: (t, m) => t.processExit(Number(m[1])) },
  { re: /^(?:Start executing the command line|Executing command line): (.*)$/, on: (t, m) => t.commandLine(m[1].trim()) },
  { re: /^Reboot to local harddisk/, on: (t) => t.restart('FullOS') },
  { re: /^Set a global environment variable ([^=\s]+)=(.*)$/, on: (t, m) => t.variable(m[1], m[2]) },
  { re: /^Property (\w+) is now = (.*)$/, on: (t, m) => t.mdtProperty(m[1], m[2].trim()) },
  { re: /^UEFI: (true|false)/i, on: (t, m) => (t.facts.firmware ??= m[1].toLowerCase() === 'true' ? 'uefi' : 'bios') },
  { re: /^Found network adapter "(.*)" with IP Address/, on: (t, m) => (t.facts.nicName ??= m[1]) },
  { re: /executing in non SMS, standalone mode/, on: (t) => (t.engine = 'MDT') },
  { re: /^Task sequence completed 0x00000000/, on: (t) => (t.finished = 'success') },
  { re: /^(?:Failed to run the last action|Task Sequence Engine failed|Task sequence execution failed)/, on: (t) => (t.finished = 'failed') },
];

class TraceBuilder {
  engine: FieldTrace['engine'] = 'ConfigMgr';
  readonly root: FieldNode[] = [];
  readonly stack: FieldGroup[] = [];
  readonly facts: FieldFacts = {};
  readonly variables = new Map<string, string>();
  finished?: 'success' | 'failed';
  private current?: FieldStep;
  private lastExit?: number;
  private environment?: 'WinPE' | 'FullOS';

  private get children(): FieldNode[] {
    return this.stack.length > 0 ? this.stack[this.stack.length - 1].children : this.root;
  }

  instruction(name: string, pointer: number, line: number): void {
    // After a restart TSManager resumes the instruction that asked for it ("requested a retry"): the same step.
    const resumed = this.current?.pointer === pointer && this.current.name === name && this.current.restartTo !== undefined;
    this.lastExit = undefined;
    if (resumed) {
      this.current!.status = undefined;
      return;
    }
    this.current = { kind: 'step', name, pointer, line, ...(this.environment ? { environment: this.environment } : {}) };
    this.children.push(this.current);
  }

  groupStarted(name: string, line: number): void {
    // Groups are instructions too: drop the step entry their "Start executing" line made.
    const children = this.children;
    const last = children[children.length - 1];
    if (last === this.current && last?.kind === 'step' && last.name === name && last.status === undefined && last.command === undefined) {
      children.pop();
      this.current = undefined;
    }
    const group: FieldGroup = { kind: 'group', name, status: 'success', children: [], line };
    this.children.push(group);
    this.stack.push(group);
  }

  groupEnded(name: string, status: FieldStatus): void {
    const at = this.stack.map((g) => g.name).lastIndexOf(name);
    if (at < 0) return;
    this.stack[at].status = status;
    this.stack.length = at;
  }

  groupSkipped(name: string, disabled: boolean, line: number): void {
    this.children.push({ kind: 'group', name, status: disabled ? 'disabled' : 'skipped', children: [], line });
  }

  stepSkipped(name: string, disabled: boolean, line: number): void {
    const status = disabled ? 'disabled' : 'skipped';
    const open = this.openStep(name);
    if (open) open.status = status;
    else this.children.push({ kind: 'step', name, status, line });
  }

  stepEnded(name: string, status: FieldStatus, exitCode: number, line: number): void {
    const step = this.endingStep(name, line);
    step.status = status;
    step.exitCode = exitCode;
  }

  stepFailed(name: string, detail: string | undefined, line: number): void {
    const step = this.endingStep(name, line);
    step.status = 'failed';
    const hresult = /\(Error: ([0-9A-Fa-f]{8}); Source:/.exec(detail ?? '');
    step.exitCode = this.lastExit ?? (hresult ? parseInt(hresult[1], 16) : undefined);
    const text = detail?.replace(/\s*\(Error: [^)]*\)\s*$/, '').trim();
    if (text) step.error = text;
  }

  ignoredFailure(name: string): void {
    const step = this.findStep(name);
    if (step) step.continueOnError = true;
  }

  processExit(code: number): void {
    this.lastExit = code;
  }

  commandLine(command: string): void {
    if (!this.current || this.current.status !== undefined) return;
    this.current.command ??= command;
    const target = /^smsboot\.exe\s+\/target:(\w+)/i.exec(command);
    if (target) this.current.restartTo = target[1].toLowerCase() === 'winpe' ? 'WinPE' : 'FullOS';
  }

  restart(target: 'WinPE' | 'FullOS'): void {
    if (this.current) this.current.restartTo = target;
  }

  variable(name: string, value: string): void {
    this.variables.set(name, value);
    const lower = name.toLowerCase();
    if (lower === '_smstsinwinpe') {
      this.environment = value.toLowerCase() === 'true' ? 'WinPE' : 'FullOS';
      this.facts.startsIn ??= this.environment;
    } else if (lower === '_smstsbootuefi') this.facts.firmware ??= value.toLowerCase() === 'true' ? 'uefi' : 'bios';
    else if (lower === '_smstsmachinename' || lower === 'osdcomputername') this.facts.machineName ??= value;
    else if (lower === '_smstslaunchmode') this.facts.launchMode ??= value;
    else if (lower === '_smstsmediatype') this.facts.mediaType ??= value;
    else if (lower === '_smstspackageid') this.facts.packageId ??= value;
    else if (lower === '_smstspackagename') this.facts.packageName ??= value;
    else if (lower === 'processor_architecture' || lower === 'architecture') this.facts.arch ??= archOf(value);
  }

  mdtProperty(name: string, value: string): void {
    if (value === '') return;
    this.engine = 'MDT';
    // Gather's properties are task-sequence variables: conditions of an MDT ts.xml read them (IsUEFI, Model).
    this.variables.set(name, value);
    const lower = name.toLowerCase();
    if (lower === 'architecture') this.facts.arch ??= archOf(value);
    else if (lower === 'isuefi') this.facts.firmware ??= value.toLowerCase() === 'true' ? 'uefi' : 'bios';
    else if (lower === 'memory' && /^\d+$/.test(value)) this.facts.memoryMB ??= Number(value);
    else if (lower === 'make') this.facts.manufacturer ??= value;
    else if (lower === 'model') this.facts.model ??= value;
    else if (lower === 'serialnumber') this.facts.serial ??= value;
    else if (lower === 'uuid') this.facts.uuid ??= value;
    else if (lower === 'macaddress001') this.facts.mac ??= value;
    else if (lower === 'osdcomputername') this.facts.machineName ??= value;
  }

  /** The step `name` that started and has not ended: the current one, or (names may repeat) the latest such. */
  private openStep(name: string): FieldStep | undefined {
    if (this.current?.name === name && this.current.status === undefined) return this.current;
    return undefined;
  }

  /**
   * The step an end message is about. A rolled segment (smsts-YYYYMMDD-HHMMSS.log) starts in the middle of a
   * step: its end is the first the log shows of it, so the step starts there.
   */
  private endingStep(name: string, line: number): FieldStep {
    const open = this.openStep(name) ?? (this.current?.name === name ? this.current : undefined);
    if (open) return open;
    this.current = { kind: 'step', name, line, ...(this.environment ? { environment: this.environment } : {}) };
    this.children.push(this.current);
    return this.current;
  }

  private findStep(name: string): FieldStep | undefined {
    const all = allFieldNodes(this.root).filter((n): n is FieldStep => n.kind === 'step' && n.name === name);
    return all[all.length - 1];
  }

  build(): FieldTrace {
    const steps = allFieldNodes(this.root).filter((n): n is FieldStep => n.kind === 'step');
    const failed = steps.find((s) => s.status === 'failed' && !s.continueOnError);
    const outcome = this.finished ?? (failed ? 'failed' : 'unknown');
    return { engine: this.engine, nodes: this.root, facts: this.facts, variables: this.variables, outcome, ...(failed ? { failedStep: failed.name } : {}) };
  }
}

function archOf(value: string): 'x64' | 'x86' | undefined {
  const v = value.toLowerCase();
  if (v === 'amd64' || v === 'x64') return 'x64';
  if (v === 'x86' || v === 'i386') return 'x86';
  return undefined;
}

export function allFieldNodes(nodes: FieldNode[]): FieldNode[] {
  return nodes.flatMap((n) => (n.kind === 'group' ? [n, ...allFieldNodes(n.children)] : [n]));
}

export function traceOf(lines: FieldLogLine[]): FieldTrace {
  const t = new TraceBuilder();
  for (const l of lines) {
    for (const rule of RULES) {
      const m = rule.re.exec(l.message);
      if (m) {
        rule.on(t, m, l);
        break;
      }
    }
  }
  return t.build();
}
