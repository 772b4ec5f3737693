// The task-sequence model every importer produces and the engine runs.
// It mirrors ConfigMgr's <sequence> grammar (ts-formats §a.2) so that an imported
// export round-trips without losing anything the engine or the lint needs.

export type RunIn = 'WinPE' | 'FullOS' | 'WinPEandFullOS';

export type TaskSequenceSource = 'configmgr' | 'mdt' | 'yaml';

/** Where a node came from, for errors and lint messages ("ts.xml:42 step 'Format Disk'"). */
export interface SourceLocation {
  file?: string;
  line?: number;
  column?: number;
}

/** One <defaultVarList>/<variable>: a task-sequence variable name paired with the WMI property. */
export interface StepVariable {
  name: string;
  property?: string;
  value: string;
  hidden: boolean;
}

export type VariableOperator =
  | 'exists'
  | 'notExists'
  | 'equals'
  | 'notEquals'
  | 'greater'
  | 'greaterEqual'
  | 'less'
  | 'lessEqual'
  | 'like';

export type CompareOperator = 'equals' | 'notEquals' | 'greater' | 'greaterEqual' | 'less' | 'lessEqual';

export type Condition =
  /** `malformedEmpty` marks the real-world `<operator type="or"/>` with no operands. */
  | { kind: 'and' | 'or' | 'not'; operands: Condition[]; malformedEmpty?: boolean; location?: SourceLocation }
  | { kind: 'variable'; variable: string; operator: VariableOperator; value: string; location?: SourceLocation }
  | { kind: 'wmi'; namespace: string; query: string; location?: SourceLocation }
  | {
      kind: 'file';
      path: string;
      version?: string;
      versionOperator?: CompareOperator;
      dateTime?: string;
      dateTimeOperator?: CompareOperator;
      location?: SourceLocation;
    }
  | { kind: 'folder'; path: string; dateTime?: string; dateTimeOperator?: CompareOperator; location?: SourceLocation }
  | {
      kind: 'registry';
      keyPath: string;
      value: string;
      type?: string;
      data?: string;
      operator: 'exists' | 'notExists' | CompareOperator;
      location?: SourceLocation;
    }
  | {
      kind: 'software';
      operator: 'AnyVersion' | 'ThisVersion';
      productCode?: string;
      productName?: string;
      upgradeCode?: string;
      version?: string;
      location?: SourceLocation;
    }
  | {
      kind: 'osVersion';
      /** e.g. "x64", "x86" or empty for any */
      architecture?: string;
      operator: CompareOperator;
      version: string;
      location?: SourceLocation;
    }
  /** An expression class the engine does not know; evaluating it is an error in the log, never a silent false. */
  | { kind: 'unknown'; type: string; properties: Record<string, string>; location?: SourceLocation };

interface NodeBase {
  name: string;
  description: string;
  disabled: boolean;
  continueOnError: boolean;
  condition?: Condition;
  location?: SourceLocation;
}

export interface Group extends NodeBase {
  kind: 'group';
  children: TaskSequenceNode[];
}

export interface Step extends NodeBase {
  kind: 'step';
  /** The ConfigMgr class name, e.g. SMS_TaskSequence_RunCommandLineAction, or a BDD_* type. */
  type: string;
  /** The command line in <action>, as written (variables not yet expanded). */
  action: string;
  runIn: RunIn;
  successCodes: number[];
  timeoutSeconds?: number;
  retryCount: number;
  runFromNet: boolean;
  variables: StepVariable[];
  /** True for <subtasksequence> (Run Task Sequence). */
  subTaskSequence: boolean;
}

export type TaskSequenceNode = Group | Step;

export interface GlobalVariable {
  name: string;
  property?: string;
  value: string;
}

export interface PackageReference {
  package?: string;
  program?: string;
  application?: string;
}

export interface TaskSequence {
  /** Schema version as written ("3.00", "3.10"); YAML sequences use "3.10". */
  version: string;
  name?: string;
  description?: string;
  /** Package ID when known (from the export's object.xml or the scenario). */
  packageId?: string;
  source: TaskSequenceSource;
  file?: string;
  children: TaskSequenceNode[];
  globalVariables: GlobalVariable[];
  references: PackageReference[];
}
