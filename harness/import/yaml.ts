// osdlab YAML task sequences (docs/task-sequence-yaml.md) → the same model the XML importers produce.
// Errors name the scenario file, the line and column (through the scenario's Locator) and the field path.
import { InputError, type Locator } from '../../scenarios/index.js';
import type { CompareOperator, Condition, Group, RunIn, Step, StepVariable, TaskSequence, TaskSequenceNode, VariableOperator } from '../model.js';
import { stepTypeByName, stepTypeVariable, type StepType } from '../step-types.js';

export interface YamlImportOptions {
  file?: string;
  locator?: Locator;
  /** Path of the value inside the document, e.g. ["deployments", 0, "taskSequence"]. */
  basePath?: ReadonlyArray<string | number>;
}

type Path = (string | number)[];
type Obj = Record<string, unknown>;

const RUN_IN: RunIn[] = ['WinPE', 'FullOS', 'WinPEandFullOS'];
const COMPARE: CompareOperator[] = ['equals', 'notEquals', 'greater', 'greaterEqual', 'less', 'lessEqual'];
const VARIABLE_OPERATORS: VariableOperator[] = [...COMPARE, 'like'];
const PARTITION_TYPES = ['Primary', 'Extended', 'Logical', 'EFI', 'MSR', 'Recovery'];
const FILE_SYSTEMS = ['NTFS', 'FAT32'];
const STEP_KEYS = ['name', 'type', 'description', 'runIn', 'continueOnError', 'disabled', 'timeout', 'successCodes', 'retryCount', 'runFromNet', 'condition', 'with', 'partitions', 'command'];
const GROUP_KEYS = ['group', 'description', 'continueOnError', 'disabled', 'condition', 'steps'];
const SEQUENCE_KEYS = ['name', 'description', 'packageId', 'version', 'variables', 'steps'];
/** Package-ID variables that fill the <PKG> placeholder of a step's generated command line. */
const PACKAGE_VARIABLES = ['PackageID', 'ImagePackageID', 'OSDApplyDriverDriverPackageID', 'SysprepPackageID'];

class Reader {
  constructor(private readonly options: YamlImportOptions) {}

  fail(path: Path, message: string): never {
    const full = [...(this.options.basePath ?? []), ...path];
    const pos = this.options.locator?.(full);
    throw new InputError({ file: this.options.file, line: pos?.line, column: pos?.column, path: formatPath(full), message });
  }

  locate(path: Path): { line?: number; column?: number } {
    return this.options.locator?.([...(this.options.basePath ?? []), ...path]) ?? {};
  }

  mapping(value: unknown, path: Path): Obj {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, `expected a mapping, found ${describe(value)}`);
    return value as Obj;
  }

  object(value: unknown, path: Path, allowed: string[]): Obj {
    const o = this.mapping(value, path);
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key)) this.fail([...path, key], `unknown field "${key}"; allowed: ${allowed.join(', ')}`);
    }
    return o;
  }

  list(value: unknown, path: Path): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `expected a list, found ${describe(value)}`);
    return value;
  }

  string(value: unknown, path: Path): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return this.fail(path, `expected a string, found ${describe(value)}`);
  }

  bool(value: unknown, path: Path, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') this.fail(path, `expected true or false, found ${describe(value)}`);
    return value;
  }

  count(value: unknown, path: Path): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) this.fail(path, `expected a whole number ≥ 0, found ${describe(value)}`);
    return value;
  }

  oneOf<T extends string>(value: unknown, path: Path, allowed: readonly T[]): T {
    const raw = this.string(value, path);
    const found = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (!found) this.fail(path, `"${raw}" is not one of ${allowed.join(', ')}`);
    return found;
  }
}

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Converts the YAML value (a file's root, its `taskSequence:` or a scenario's inline task sequence). */
export function taskSequenceFromYaml(value: unknown, options: YamlImportOptions): TaskSequence {
  const r = new Reader(options);
  const outer = value !== null && typeof value === 'object' && !Array.isArray(value) && 'taskSequence' in value;
  const path: Path = outer ? ['taskSequence'] : [];
  const ts = r.object(outer ? (value as Obj).taskSequence : value, path, SEQUENCE_KEYS);
  if (ts.steps === undefined) r.fail(path, 'a task sequence needs "steps"');
  const variables = ts.variables === undefined ? {} : r.mapping(ts.variables, [...path, 'variables']);
  return {
    version: ts.version === undefined ? '3.10' : r.oneOf(ts.version, [...path, 'version'], ['3.00', '3.10']),
    ...(ts.name !== undefined ? { name: r.string(ts.name, [...path, 'name']) } : {}),
    ...(ts.description !== undefined ? { description: r.string(ts.description, [...path, 'description']) } : {}),
    ...(ts.packageId !== undefined ? { packageId: r.string(ts.packageId, [...path, 'packageId']) } : {}),
    source: 'yaml',
    ...(options.file !== undefined ? { file: options.file } : {}),
    children: nodes(r, ts.steps, [...path, 'steps'], options.file),
    globalVariables: Object.entries(variables).map(([name, v]) => ({ name, value: r.string(v, [...path, 'variables', name]) })),
    references: [],
  };
}

function nodes(r: Reader, value: unknown, path: Path, file: string | undefined): TaskSequenceNode[] {
  return r.list(value, path).map((item, i) => {
    const p = [...path, i];
    const isGroup = item !== null && typeof item === 'object' && 'group' in item;
    return isGroup ? group(r, item, p, file) : step(r, item, p, file);
  });
}

function common(r: Reader, o: Obj, path: Path, name: string, file: string | undefined) {
  return {
    name,
    description: o.description === undefined ? '' : r.string(o.description, [...path, 'description']),
    disabled: r.bool(o.disabled, [...path, 'disabled'], false),
    continueOnError: r.bool(o.continueOnError, [...path, 'continueOnError'], false),
    ...(o.condition !== undefined ? { condition: condition(r, o.condition, [...path, 'condition']) } : {}),
    location: { file, ...r.locate(path) },
  };
}

function group(r: Reader, value: unknown, path: Path, file: string | undefined): Group {
  const o = r.object(value, path, GROUP_KEYS);
  const name = r.string(o.group, [...path, 'group']);
  return { kind: 'group', ...common(r, o, path, name, file), children: o.steps === undefined ? [] : nodes(r, o.steps, [...path, 'steps'], file) };
}

function resolveType(r: Reader, value: unknown, path: Path): { type: string; known?: StepType } {
  if (value === undefined) r.fail(path, 'a step needs "type" (e.g. RunCommandLine, FormatAndPartitionDisk) or "group" for a group');
  const raw = r.string(value, path).trim();
  const known = stepTypeByName(raw);
  if (known) return { type: known.className, known };
  // A class name of a custom action (vendor add-ons derive from SMS_TaskSequence_Action) runs generically.
  if (/^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)+$/.test(raw)) return { type: raw };
  return r.fail(path, `unknown step type "${raw}"; use a short name such as RunCommandLine, RestartComputer, FormatAndPartitionDisk, or a custom action's class name (Vendor_TaskSequence_Action)`);
}

function step(r: Reader, value: unknown, path: Path, file: string | undefined): Step {
  const o = r.object(value, path, STEP_KEYS);
  if (o.name === undefined) r.fail(path, 'a step needs "name" (or "group" for a group)');
  const name = r.string(o.name, [...path, 'name']);
  const { type, known } = resolveType(r, o.type, [...path, 'type']);
  const variables = stepVariables(r, o, path, known);
  const successCodes = o.successCodes === undefined
    ? [0, 3010]
    : r.list(o.successCodes, [...path, 'successCodes']).map((c, i) => {
        if (typeof c !== 'number' || !Number.isInteger(c)) r.fail([...path, 'successCodes', i], `expected an exit code (integer), found ${describe(c)}`);
        return c;
      });
  const command = o.command === undefined ? undefined : r.string(o.command, [...path, 'command']);
  // The console copies the success codes into a hidden variable of these two steps (ts-formats §a.2).
  if (type === 'SMS_TaskSequence_RunCommandLineAction') {
    if (command === undefined) r.fail(path, 'a RunCommandLine step needs "command"');
    setVariable(variables, 'CommandLine', command, known);
    setVariable(variables, 'SuccessCodes', successCodes.join(' '), known);
  }
  if (type === 'SMS_TaskSequence_RunPowerShellScriptAction') setVariable(variables, 'OSDRunPowerShellScriptSuccessCodes', successCodes.join(' '), known);
  const timeout = r.count(o.timeout, [...path, 'timeout']);
  return {
    kind: 'step',
    ...common(r, o, path, name, file),
    type,
    action: command !== undefined && type !== 'SMS_TaskSequence_RunCommandLineAction' ? command : renderAction(known, variables, command),
    runIn: o.runIn === undefined ? (known?.runIn ?? 'WinPEandFullOS') : r.oneOf(o.runIn, [...path, 'runIn'], RUN_IN),
    successCodes,
    ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
    retryCount: r.count(o.retryCount, [...path, 'retryCount']) ?? known?.retryCount ?? 0,
    runFromNet: r.bool(o.runFromNet, [...path, 'runFromNet'], false),
    variables,
    subTaskSequence: known?.element === 'subtasksequence',
  };
}

function setVariable(list: StepVariable[], name: string, value: string, known: StepType | undefined): void {
  const existing = list.find((v) => v.name.toLowerCase() === name.toLowerCase());
  if (existing) {
    existing.value = value;
    return;
  }
  const entry = known ? stepTypeVariable(known, name) : undefined;
  // Numbered partition variables share the catalogue's partition-0 entry: OSDPartitions2Type → Partitions2Type.
  const property = entry ? (entry.name.toLowerCase() === name.toLowerCase() ? entry.property : name.replace(/^OSD/i, '')) : name;
  list.push({ name, property, value, hidden: entry?.hidden ?? false });
}

function stepVariables(r: Reader, o: Obj, path: Path, known: StepType | undefined): StepVariable[] {
  const list: StepVariable[] = [];
  // What the console writes for a new step: the type's defaults, then what the author gave.
  for (const v of known?.variables ?? []) if (v.default !== undefined) list.push({ name: v.name, property: v.property, value: v.default, hidden: v.hidden });
  if (o.with !== undefined) {
    const given = r.mapping(o.with, [...path, 'with']);
    for (const [name, v] of Object.entries(given)) {
      if (v !== null && typeof v === 'object') r.fail([...path, 'with', name], `expected a value (string, number or true/false), found ${describe(v)}`);
      setVariable(list, name, v === null ? '' : r.string(v, [...path, 'with', name]), known);
    }
  }
  if (o.partitions !== undefined) {
    if (known?.name !== 'FormatAndPartitionDisk') r.fail([...path, 'partitions'], '"partitions" is only for FormatAndPartitionDisk steps');
    const parts = r.list(o.partitions, [...path, 'partitions']);
    parts.forEach((part, i) => {
      const p = [...path, 'partitions', i];
      const po = r.object(part, p, ['type', 'size', 'fileSystem', 'label', 'letterVariable', 'quickFormat', 'bootable']);
      const set = (prop: string, value: string) => setVariable(list, `OSDPartitions${i}${prop}`, value, known);
      set('Type', r.oneOf(po.type, [...p, 'type'], PARTITION_TYPES));
      if (po.size !== undefined) {
        const size = r.string(po.size, [...p, 'size']).trim();
        const m = /^(\d+(?:\.\d+)?)\s*(MB|GB|%)$/i.exec(size);
        if (!m) r.fail([...p, 'size'], `"${size}" is not a size; write e.g. 500MB, 60GB or 100%`);
        set('Size', m[1]);
        set('SizeUnits', m[2] === '%' ? 'PERCENT' : m[2].toUpperCase());
      }
      if (po.fileSystem !== undefined) set('FileSystem', r.oneOf(po.fileSystem, [...p, 'fileSystem'], FILE_SYSTEMS));
      if (po.label !== undefined) set('VolumeName', r.string(po.label, [...p, 'label']));
      if (po.letterVariable !== undefined) set('VolumeLetterVariable', r.string(po.letterVariable, [...p, 'letterVariable']));
      set('QuickFormat', String(r.bool(po.quickFormat, [...p, 'quickFormat'], true)));
      set('Bootable', String(r.bool(po.bootable, [...p, 'bootable'], false)));
    });
    setVariable(list, 'OSDPartitions', String(parts.length), known);
  }
  return list;
}

/** The <action> command line the console would generate for these settings. */
function renderAction(known: StepType | undefined, variables: StepVariable[], command: string | undefined): string {
  if (!known) return command ?? '';
  const value = (name: string) => variables.find((v) => v.name.toLowerCase() === name.toLowerCase())?.value;
  const pkg = PACKAGE_VARIABLES.map(value).find((v) => v) ?? '';
  switch (known.name) {
    case 'RunCommandLine':
      return `smsswd.exe /run:${pkg} ${command ?? ''}`;
    case 'RestartComputer':
      return `smsboot.exe /target:${value('SMSRebootTarget') ?? 'HD'}`;
    case 'SetTaskSequenceVariable':
      return `tsenv.exe "${value('VariableName') ?? ''}=${value('VariableValue') ?? ''}" /hiddenflag:${value('DoNotShowVariableValue') === 'true' ? 'True' : 'False'}`;
    default:
      return known.action.replace('<PKG>', pkg);
  }
}

const CONDITION_FORMS = 'all, any, none, variable, wmi, file, folder, registry, software, osVersion, firmware';

function condition(r: Reader, value: unknown, path: Path): Condition {
  const location = r.locate(path);
  if (Array.isArray(value)) return { kind: 'and', operands: value.map((v, i) => condition(r, v, [...path, i])), location };
  if (value === null || typeof value !== 'object') return r.fail(path, `expected a condition (a mapping with one of ${CONDITION_FORMS}), found ${describe(value)}`);
  const o = value as Obj;
  const operator = (['all', 'any', 'none'] as const).find((k) => k in o);
  if (operator) {
    r.object(o, path, [operator]);
    const operands = r.list(o[operator], [...path, operator]).map((v, i) => condition(r, v, [...path, operator, i]));
    if (operands.length === 0) r.fail([...path, operator], `"${operator}" needs at least one condition`);
    return { kind: operator === 'all' ? 'and' : operator === 'any' ? 'or' : 'not', operands, location };
  }
  const str = (key: string) => r.string(o[key], [...path, key]);
  const opt = (key: string) => (o[key] === undefined ? undefined : str(key));
  const cmp = (key: string) => (o[key] === undefined ? undefined : r.oneOf(o[key], [...path, key], COMPARE));
  if ('variable' in o) {
    const ops = [...VARIABLE_OPERATORS, 'exists'].filter((k) => k in o);
    r.object(o, path, ['variable', ...VARIABLE_OPERATORS, 'exists']);
    if (ops.length !== 1) r.fail(path, `a variable condition needs exactly one of ${[...VARIABLE_OPERATORS, 'exists'].join(', ')}`);
    const op = ops[0];
    if (op === 'exists') {
      return { kind: 'variable', variable: str('variable'), operator: r.bool(o.exists, [...path, 'exists'], true) ? 'exists' : 'notExists', value: '', location };
    }
    return { kind: 'variable', variable: str('variable'), operator: op as VariableOperator, value: str(op), location };
  }
  if ('wmi' in o) {
    r.object(o, path, ['wmi', 'namespace']);
    return { kind: 'wmi', query: str('wmi'), namespace: opt('namespace') ?? 'root\\cimv2', location };
  }
  if ('file' in o) {
    r.object(o, path, ['file', 'version', 'versionOperator', 'dateTime', 'dateTimeOperator']);
    return { kind: 'file', path: str('file'), version: opt('version'), versionOperator: cmp('versionOperator'), dateTime: opt('dateTime'), dateTimeOperator: cmp('dateTimeOperator'), location };
  }
  if ('folder' in o) {
    r.object(o, path, ['folder', 'dateTime', 'dateTimeOperator']);
    return { kind: 'folder', path: str('folder'), dateTime: opt('dateTime'), dateTimeOperator: cmp('dateTimeOperator'), location };
  }
  if ('registry' in o) {
    r.object(o, path, ['registry', 'value', 'operator', 'data', 'type']);
    const operator = o.operator === undefined ? 'exists' : r.oneOf(o.operator, [...path, 'operator'], ['exists', 'notExists', ...COMPARE] as const);
    return { kind: 'registry', keyPath: str('registry'), value: opt('value') ?? '', operator, data: opt('data'), type: opt('type'), location };
  }
  if ('software' in o) {
    r.object(o, path, ['software', 'operator', 'version', 'productName', 'upgradeCode']);
    const operator = o.operator === undefined ? 'AnyVersion' : r.oneOf(o.operator, [...path, 'operator'], ['AnyVersion', 'ThisVersion'] as const);
    return { kind: 'software', productCode: str('software'), operator, version: opt('version'), productName: opt('productName'), upgradeCode: opt('upgradeCode'), location };
  }
  if ('osVersion' in o) {
    r.object(o, path, ['osVersion', 'operator', 'architecture']);
    return { kind: 'osVersion', version: str('osVersion'), operator: cmp('operator') ?? 'equals', architecture: o.architecture === undefined ? undefined : r.oneOf(o.architecture, [...path, 'architecture'], ['x86', 'x64']), location };
  }
  if ('firmware' in o) {
    r.object(o, path, ['firmware']);
    const fw = r.oneOf(o.firmware, [...path, 'firmware'], ['uefi', 'bios']);
    return { kind: 'variable', variable: '_SMSTSBootUEFI', operator: 'equals', value: fw === 'uefi' ? 'true' : 'false', location };
  }
  return r.fail(path, `not a condition: expected one of ${CONDITION_FORMS}`);
}
