// The synthetic task sequence of a draft: one step per step the log shows, in its groups, so that replaying it
// walks the same path. Steps whose command line names a step type the lab can run without unknown parameters
// (Format and Partition Disk, Apply Operating System Image, Setup Windows and ConfigMgr, Restart Computer) keep
// that type, so the machine really is partitioned, imaged and restarted; every other step, and every step that
// failed, is a Run Command Line that exits with the code the log shows ("cmd /c exit N"), its field command
// line kept in the step's description. A step the log shows skipped gets a condition that is false.
import type { FieldNode, FieldStep, FieldTrace } from './trace.js';

export type PlannedType = 'RunCommandLine' | 'FormatAndPartitionDisk' | 'ApplyOperatingSystemImage' | 'SetupWindowsAndConfigMgr' | 'RestartComputer';

export interface PlannedStep {
  kind: 'step';
  name: string;
  type: PlannedType;
  /** Run Command Line stand-ins: "cmd /c exit N". */
  command?: string;
  /** Set when the console's default success codes (0 3010) would count the field's failure code as success. */
  successCodes?: number[];
  with?: Record<string, string>;
  /** Format and Partition Disk: the layout for this firmware. */
  layout?: 'uefi' | 'bios';
  description?: string;
  /** The log shows it skipped by its condition: the draft's condition is false. */
  conditionFalse?: boolean;
  disabled?: boolean;
  continueOnError?: boolean;
  todo: string[];
}

export interface PlannedGroup {
  kind: 'group';
  name: string;
  conditionFalse?: boolean;
  disabled?: boolean;
  children: PlannedNode[];
}

export type PlannedNode = PlannedStep | PlannedGroup;

export interface StepPlan {
  nodes: PlannedNode[];
  /** Content the typed steps use: the OS image's field package ID and index, the client package. */
  osImage?: { fieldPackageId?: string; imageIndex: number };
  clientPackage: boolean;
}

/** Package IDs the draft gives the content it declares. */
export interface DraftIds {
  osImage: string;
  clientPackage: string;
}

/** Where the disk stands as the replay walks the path: what a typed step needs before it can run. */
interface DiskState {
  partitioned: boolean;
  imaged: boolean;
}

/** Win32 exit code as cmd's "exit" takes it: a signed 32-bit number (HRESULTs are negative). */
export function exitArgument(code: number): number {
  return code > 0x7fffffff ? code - 0x1_0000_0000 : code;
}

const DEFAULT_SUCCESS_CODES = [0, 3010];

const describeCode = (code: number) => (code > 0xffff ? `0x${code.toString(16).toUpperCase().padStart(8, '0')}` : String(code));

export function planSteps(trace: FieldTrace, ids: DraftIds): StepPlan {
  const firmware = trace.facts.firmware ?? 'uefi';
  const plan: StepPlan = { nodes: [], clientPackage: false };
  const disk: DiskState = { partitioned: trace.facts.startsIn === 'FullOS', imaged: trace.facts.startsIn === 'FullOS' };
  const walk = (nodes: FieldNode[]): PlannedNode[] =>
    nodes.map((n): PlannedNode => {
      if (n.kind === 'group') {
        return { kind: 'group', name: n.name, children: walk(n.children), ...(n.status === 'skipped' ? { conditionFalse: true } : {}), ...(n.status === 'disabled' ? { disabled: true } : {}) };
      }
      return planStep(n, firmware, disk, plan, ids);
    });
  plan.nodes = walk(trace.nodes);
  return plan;
}

function planStep(step: FieldStep, firmware: 'uefi' | 'bios', disk: DiskState, plan: StepPlan, ids: DraftIds): PlannedStep {
  const base = {
    kind: 'step' as const,
    name: step.name,
    ...(step.command ? { description: `field command line: ${step.command}` } : {}),
    ...(step.status === 'skipped' ? { conditionFalse: true } : {}),
    ...(step.status === 'disabled' ? { disabled: true } : {}),
    ...(step.continueOnError ? { continueOnError: true } : {}),
    todo: [] as string[],
  };
  const standIn = (code: number, why?: string): PlannedStep => ({ ...base, type: 'RunCommandLine', command: `cmd /c exit ${exitArgument(code)}`, todo: why ? [why] : [] });
  if (step.status === 'skipped' || step.status === 'disabled') return standIn(0);
  if (step.status === undefined) return standIn(0, 'the log ends before this step ended: the stand-in succeeds');
  if (step.status === 'failed') {
    const code = step.exitCode ?? 0x80004005;
    const kind = typeOf(step.command);
    if (DEFAULT_SUCCESS_CODES.includes(code)) return { ...standIn(code, `the field step failed with ${code}, which the console's default success codes accept: its success codes are 0 only`), successCodes: [0] };
    return standIn(code, `the field step${kind ? ` (${kind})` : ''} failed with ${describeCode(code)}${step.error ? ` ("${step.error.split('\n')[0]}")` : ''}${step.exitCode === undefined ? '; the log shows no code, 0x80004005 stands in' : ''}; the stand-in fails with the same code — replace it with the real step and the condition that made it fail`);
  }
  const kind = typeOf(step.command);
  // MDT's scripts do the same job with their own settings (ZTIDiskpart.wsf, LTIApply.wsf).
  const script = /(\w+\.wsf)/i.exec(step.command ?? '')?.[1];
  if (kind && script) base.todo.push(`the field ran MDT's ${script}; the draft runs ${kind} with typical settings`);
  const missing = (needs: string) => standIn(0, `the field ran ${kind}; the draft stands in a command line because ${needs} is not on the path the log shows`);
  switch (kind) {
    case 'FormatAndPartitionDisk':
      disk.partitioned = true;
      disk.imaged = false;
      return { ...base, type: kind, layout: firmware, with: { OSDDiskIndex: '0', OSDPartitionStyle: firmware === 'uefi' ? 'GPT' : 'MBR' }, todo: [...base.todo, 'the layout is the usual one for this firmware; the log does not show the field layout'] };
    case 'ApplyOperatingSystemImage': {
      if (!disk.partitioned) return missing('a Format and Partition Disk before it');
      disk.imaged = true;
      const image = /\/image:([A-Za-z0-9]{8}),(\d+)/i.exec(step.command ?? '');
      plan.osImage = { ...(image ? { fieldPackageId: image[1].toUpperCase() } : {}), imageIndex: image ? Number(image[2]) : 1 };
      return { ...base, type: kind, with: { ImagePackageID: ids.osImage, OSDImageIndex: String(plan.osImage.imageIndex), DestinationVariable: 'OSDisk' } };
    }
    case 'SetupWindowsAndConfigMgr':
      if (!disk.imaged) return missing('an Apply Operating System Image before it');
      plan.clientPackage = true;
      return { ...base, type: kind, with: { _SMSClientPackageID: ids.clientPackage } };
    case 'RestartComputer': {
      const toDisk = step.restartTo !== 'WinPE';
      if (toDisk ? !disk.imaged : !disk.partitioned) return missing(toDisk ? 'an installed operating system' : 'a formatted partition to stage the boot image on');
      return { ...base, type: kind, with: { SMSRebootTarget: toDisk ? 'HD' : 'WinPE' } };
    }
    default:
      return standIn(step.exitCode ?? 0, step.exitCode !== undefined && step.exitCode !== 0 ? `the field step succeeded with exit code ${step.exitCode}; the stand-in exits 0` : undefined);
  }
}

/** The step type a field command line belongs to, when it is one the draft can run as such. */
function typeOf(command: string | undefined): PlannedType | undefined {
  const c = (command ?? '').toLowerCase();
  if (/^smsboot\.exe\s+\/target:/.test(c)) return 'RestartComputer';
  if (/^osddiskpart\.exe\s*$/.test(c) || c.includes('ztidiskpart.wsf')) return 'FormatAndPartitionDisk';
  if (/^osdapplyos\.exe\s+\/image:/.test(c) || c.includes('ltiapply.wsf')) return 'ApplyOperatingSystemImage';
  if (/^osdsetupwindows\.exe/.test(c)) return 'SetupWindowsAndConfigMgr';
  return undefined;
}
