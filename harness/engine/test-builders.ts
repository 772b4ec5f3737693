// Terse builders for task-sequence trees in the engine's tests.
import type { Condition, Group, RunIn, Step, StepVariable, TaskSequence, TaskSequenceNode } from '../model.js';

export interface StepOptions {
  type?: string;
  action?: string;
  runIn?: RunIn;
  continueOnError?: boolean;
  disabled?: boolean;
  condition?: Condition;
  successCodes?: number[];
  timeoutSeconds?: number;
  retryCount?: number;
  variables?: Record<string, string>;
  hidden?: string[];
}

export function step(name: string, o: StepOptions = {}): Step {
  const variables: StepVariable[] = Object.entries(o.variables ?? {}).map(([n, value]) => ({ name: n, value, hidden: (o.hidden ?? []).includes(n) }));
  return {
    kind: 'step',
    name,
    description: '',
    disabled: o.disabled ?? false,
    continueOnError: o.continueOnError ?? false,
    condition: o.condition,
    type: o.type ?? 'SMS_TaskSequence_RunCommandLineAction',
    action: o.action ?? `cmd /c echo ${name}`,
    runIn: o.runIn ?? 'WinPEandFullOS',
    successCodes: o.successCodes ?? [0, 3010],
    timeoutSeconds: o.timeoutSeconds,
    retryCount: o.retryCount ?? 0,
    runFromNet: false,
    variables,
    subTaskSequence: o.type === 'SMS_TaskSequence_SubTasksequence',
  };
}

export function group(name: string, children: TaskSequenceNode[], o: { continueOnError?: boolean; disabled?: boolean; condition?: Condition } = {}): Group {
  return { kind: 'group', name, description: '', disabled: o.disabled ?? false, continueOnError: o.continueOnError ?? false, condition: o.condition, children };
}

export function sequence(children: TaskSequenceNode[], extra: Partial<TaskSequence> = {}): TaskSequence {
  return { version: '3.10', source: 'yaml', children, globalVariables: [], references: [], ...extra };
}

export const variableEquals = (variable: string, value: string): Condition => ({ kind: 'variable', variable, operator: 'equals', value });

/** Format and Partition Disk as the UEFI wizard writes it: EFI, MSR, Windows. */
export function partitionUefi(name = 'Partition Disk 0 - UEFI'): Step {
  return step(name, {
    type: 'SMS_TaskSequence_PartitionDiskAction',
    action: 'osddiskpart.exe',
    runIn: 'WinPE',
    variables: {
      OSDDiskIndex: '0', OSDPartitionStyle: 'GPT', OSDPartitions: '3',
      OSDPartitions0Type: 'EFI', OSDPartitions0FileSystem: 'FAT32', OSDPartitions0Size: '500', OSDPartitions0SizeUnits: 'MB',
      OSDPartitions1Type: 'MSR', OSDPartitions1Size: '128', OSDPartitions1SizeUnits: 'MB',
      OSDPartitions2Type: 'Primary', OSDPartitions2FileSystem: 'NTFS', OSDPartitions2Size: '100', OSDPartitions2SizeUnits: 'Percent',
      OSDPartitions2VolumeLetterVariable: 'OSDisk',
    },
  });
}
