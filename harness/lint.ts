// `osdlab ts lint`: what can be known about a task sequence before it runs (docs/lint.md lists the rules).
// Errors are what makes the sequence fail or misbehave whenever that step runs; warnings are patterns
// that usually mean a mistake but may be intended.
import type { Condition, Group, RunIn, SourceLocation, Step, TaskSequence } from './model.js';
import { stepTypeByClass } from './step-types.js';
import { walkTaskSequence, type WalkEntry } from './tree.js';
import { variableNameProblem, valueProblem } from './variables.js';
import { runWql, WqlError } from './wql.js';
import { parseDynamicVariableRules, RulesError, type DynamicVariableRule } from './dynamic-variables.js';
import type { MachineFacts } from './machine.js';
import type { Deployment, Scenario } from '../scenarios/index.js';
import { literalExitCode } from './command-exit.js';

export type LintSeverity = 'error' | 'warning';

export type LintRule =
  | 'unknown-step-type'
  | 'malformed-condition'
  | 'wrong-environment'
  | 'cache-repartitioned'
  | 'variable-name'
  | 'missing-content'
  | 'never-runs'
  | 'unreachable';

export interface LintIssue {
  severity: LintSeverity;
  rule: LintRule;
  message: string;
  /** Position path of the step or group ("2/1/3"), absent for sequence-wide findings. */
  path?: string;
  name?: string;
  location?: SourceLocation;
}

/** What the scenario tells lint about the world the sequence runs in (`--scenario`). */
export interface LintScenario {
  /** Package IDs of the scenario's content (boot images, OS images, driver packages, packages). */
  packageIds: string[];
  /** Deployments of this sequence that download all content before starting. */
  downloadAllDeployments: string[];
  /** Where every deployment of this sequence starts it: Windows PE (media and PXE only) or the full OS (clients only). */
  startsIn?: { environment: 'WinPE' | 'FullOS'; deployments: string[] };
}

/** What lint needs from a scenario, for the deployments that run this sequence. */
export function lintScenarioFor(scenario: Pick<Scenario, 'content'>, deployments: Deployment[]): LintScenario {
  const { bootImages, osImages, driverPackages, packages } = scenario.content;
  // Deployments only for media and PXE start in Windows PE; those only for clients start in the full OS.
  const starts = new Set(deployments.map((d) => (d.availableTo === 'clients' ? 'FullOS' : d.availableTo === 'clientsMediaAndPxe' ? 'either' : 'WinPE')));
  const [only] = [...starts];
  return {
    packageIds: [...bootImages, ...osImages, ...driverPackages, ...packages].map((c) => c.id),
    downloadAllDeployments: deployments.filter((d) => d.contentDownload === 'downloadAll').map((d) => d.name),
    ...(starts.size === 1 && only !== 'either' ? { startsIn: { environment: only, deployments: deployments.map((d) => d.name) } } : {}),
  };
}

/** Facts with every list empty: enough to check that a WQL query names classes and properties the model has. */
const PROBE_FACTS: MachineFacts = {
  name: 'LINT', firmware: 'uefi', architecture: 'x64', memoryMB: 0, cpus: 1, processorSpeedMHz: 0,
  smbios: { manufacturer: '', product: '', serial: '', uuid: '' }, pciDevices: [], networkAdapters: [], disks: [],
  environment: 'WinPE', bootedFrom: 'pxe',
};

/** Step variables that carry a package ID (ts-formats §a.3). */
const PACKAGE_ID_VARIABLES = /^(PackageID|ImagePackageID|OSDApplyDriverDriverPackageID|_SMSClientPackageID|OSDRunPowerShellScriptPackageID|_OSDMigrateUsmtPackageID|_OSDMigrateUsmtRestorePackageID|SysprepPackageID|BDDPackageID|OSDUpgradeInstallPackageID|ConfigFilePackage|InstallPackageID)$/i;
const SUBTASKSEQUENCE_ID = /^OSDSubTasksequencePackageID$/i;
/** Package IDs the console writes into command lines: `smsswd.exe /pkg:PS100004`, `OSDApplyOS.exe /image:PS100007,1`. */
const ACTION_PACKAGE_ID = /\/(?:pkg|image|install|data|run):([A-Za-z0-9]{3}[0-9A-Fa-f]{5})\b/g;

type Environment = 'WinPE' | 'FullOS' | 'unknown';

const issueAt = (e: WalkEntry, severity: LintSeverity, rule: LintRule, message: string, at = e.node.location): LintIssue => ({
  severity, rule, message, path: e.path, name: e.node.name, ...(at ? { location: at } : {}),
});

const variable = (step: Step, name: string) => step.variables.find((v) => v.name.toLowerCase() === name.toLowerCase())?.value;
const typeName = (step: Step) => stepTypeByClass(step.type)?.name;

/** Runs only if every enclosing group and the step itself are enabled. */
const enabled = (e: WalkEntry) => !e.node.disabled && e.ancestors.every((g) => !g.disabled);
/** Runs whenever reached: enabled and with no condition on it or on an enclosing group. */
const unconditional = (e: WalkEntry) => enabled(e) && !e.node.condition && e.ancestors.every((g) => !g.condition);

/** The environment a step leaves the machine in, when it changes it. */
function environmentAfter(step: Step): 'WinPE' | 'FullOS' | undefined {
  switch (typeName(step)) {
    case 'RestartComputer': {
      const target = /\/target:(\w+)/i.exec(step.action)?.[1] ?? variable(step, 'SMSRebootTarget') ?? variable(step, 'Target') ?? 'HD';
      return /^winpe$/i.test(target) ? 'WinPE' : 'FullOS';
    }
    case 'SetupWindowsAndConfigMgr':
      return 'FullOS';
    case 'PrepareWindowsForCapture':
      return 'WinPE';
    default:
      return undefined;
  }
}

function allows(runIn: RunIn, env: 'WinPE' | 'FullOS'): boolean {
  return runIn === 'WinPEandFullOS' || runIn === env;
}

/** Why this step fails every time it runs, or undefined when it may succeed. */
function alwaysFails(step: Step, env: Environment): string | undefined {
  if (env !== 'unknown' && !allows(step.runIn, env)) return `it runs only in ${environmentName(step.runIn as 'WinPE' | 'FullOS')} and the machine is in ${environmentName(env)} there`;
  if (typeName(step) === 'RunCommandLine') {
    const command = variable(step, 'CommandLine') ?? step.action;
    const exit = literalExitCode(command);
    if (exit !== undefined && !step.successCodes.includes(exit)) return `its command "${command.trim()}" always exits with ${exit}, which is not a success code`;
  }
  return undefined;
}

function conditionIssues(c: Condition, e: WalkEntry, out: LintIssue[]): void {
  switch (c.kind) {
    case 'and':
    case 'or':
    case 'not':
      if (c.malformedEmpty) {
        out.push(issueAt(e, 'warning', 'malformed-condition',
          `empty <operator type="${c.kind}"/>: it has no operands and is ignored, so its sibling expressions are combined with AND — if "${c.kind}" was meant to apply to them, move them inside the operator`, c.location ?? e.node.location));
      }
      c.operands.forEach((o) => conditionIssues(o, e, out));
      return;
    case 'variable': {
      const problem = variableNameProblem(c.variable, 'engine');
      if (problem) out.push(issueAt(e, 'warning', 'variable-name', `condition on ${problem}`, c.location ?? e.node.location));
      return;
    }
    case 'wmi':
      try {
        runWql(c.namespace, c.query, PROBE_FACTS);
      } catch (err) {
        if (!(err instanceof WqlError)) throw err;
        out.push(issueAt(e, 'error', 'malformed-condition', `WMI condition "${c.query}" cannot be evaluated: ${err.message}`, c.location ?? e.node.location));
      }
      return;
    case 'unknown':
      out.push(issueAt(e, 'error', 'malformed-condition', `unknown condition expression type ${c.type}: evaluating it fails the ${e.node.kind}`, c.location ?? e.node.location));
      return;
    default:
      return;
  }
}

/** The rules of Set Dynamic Variables: readable, with conditions the engine can evaluate and names it can set. */
function dynamicVariableIssues(e: WalkEntry, rulesXml: string, out: LintIssue[]): void {
  if (rulesXml.trim() === '') return;
  let rules: DynamicVariableRule[];
  try {
    rules = parseDynamicVariableRules(rulesXml);
  } catch (err) {
    if (!(err instanceof RulesError)) throw err;
    out.push(issueAt(e, 'error', 'malformed-condition', `Set Dynamic Variables rules cannot be read: ${err.message}`));
    return;
  }
  rules.forEach((rule, i) => {
    if (rule.condition) {
      const found: LintIssue[] = [];
      conditionIssues(rule.condition, e, found);
      out.push(...found.map((f) => ({ ...f, message: `rule ${i + 1}: ${f.message}`, ...(e.node.location ? { location: e.node.location } : {}) })));
    }
    for (const v of rule.variables) {
      const problem = variableNameProblem(v.name, 'user') ?? valueProblem(v.name, v.value);
      if (problem) out.push(issueAt(e, 'error', 'variable-name', `Set Dynamic Variables rule ${i + 1}: ${problem}`));
    }
  });
}

function variableIssues(ts: TaskSequence, entries: WalkEntry[], out: LintIssue[]): void {
  for (const v of ts.globalVariables) {
    const problem = variableNameProblem(v.name, 'user') ?? valueProblem(v.name, v.value);
    if (problem) out.push({ severity: 'error', rule: 'variable-name', message: `sequence variable: ${problem}` });
  }
  for (const e of entries) {
    if (e.node.kind !== 'step') continue;
    const step = e.node;
    if (typeName(step) === 'SetTaskSequenceVariable') {
      const name = variable(step, 'VariableName') ?? '';
      const problem = variableNameProblem(name, 'user') ?? valueProblem(name, variable(step, 'VariableValue') ?? '');
      if (problem) out.push(issueAt(e, 'error', 'variable-name', `Set Task Sequence Variable: ${problem}`));
    }
    if (typeName(step) === 'SetDynamicVariables') dynamicVariableIssues(e, variable(step, 'OSDSetDynamicVariablesRules') ?? '', out);
  }
}

/** Steps between a failing step and the end of the nearest enclosing group with continue-on-error. */
function unreachableAfter(entries: WalkEntry[], index: number): WalkEntry[] {
  const failing = entries[index];
  const catcher = [...failing.ancestors].reverse().find((g) => g.continueOnError);
  const rest: WalkEntry[] = [];
  for (const e of entries.slice(index + 1)) {
    if (catcher && !e.ancestors.includes(catcher)) break;
    rest.push(e);
  }
  return rest;
}

const environmentName = (env: 'WinPE' | 'FullOS') => (env === 'WinPE' ? 'Windows PE' : 'the full OS');

function flowIssues(entries: WalkEntry[], start: LintScenario['startsIn'], out: LintIssue[]): void {
  let env: Environment = start?.environment ?? 'unknown';
  let lastTransition: WalkEntry | undefined;
  const dead = new Set<WalkEntry>();
  entries.forEach((e, i) => {
    if (e.node.kind === 'group') {
      if (e.node.disabled && !e.ancestors.some((g) => g.disabled)) {
        const inside = entries.filter((x) => x.ancestors.includes(e.node as Group) && x.node.kind === 'step').length;
        if (inside > 0) out.push(issueAt(e, 'warning', 'never-runs', `group is disabled: its ${inside} step(s) never run`));
      }
      return;
    }
    if (!enabled(e) || dead.has(e)) return;
    const step = e.node;
    if (env !== 'unknown' && !allows(step.runIn, env)) {
      const why = lastTransition
        ? `after "${lastTransition.node.name}" (${lastTransition.path}) the machine is in ${environmentName(env)}`
        : `the sequence starts in ${environmentName(env)} (deployment ${start!.deployments.map((d) => `"${d}"`).join(', ')})`;
      out.push(issueAt(e, 'error', 'wrong-environment', `runs only in ${environmentName(step.runIn as 'WinPE' | 'FullOS')}, but ${why}`));
    }
    const reason = step.continueOnError ? undefined : alwaysFails(step, env);
    if (reason && unconditional(e)) {
      const rest = unreachableAfter(entries, i).filter((x) => x.node.kind === 'step' && enabled(x) && !dead.has(x));
      for (const x of rest) {
        dead.add(x);
        out.push(issueAt(x, 'warning', 'unreachable', `never runs: "${step.name}" (${e.path}) before it always fails (${reason})`));
      }
    }
    const next = environmentAfter(step);
    if (next) {
      env = unconditional(e) ? next : 'unknown';
      lastTransition = e;
    }
  });
}

/** Whether the step (or a group around it) runs only when the client cache does not exist. */
function guardedByCacheCheck(e: WalkEntry): boolean {
  const requires = (c: Condition | undefined): boolean =>
    c !== undefined &&
    ((c.kind === 'variable' && c.variable.toLowerCase() === '_smstsclientcache' && c.operator === 'notExists') ||
      (c.kind === 'and' && c.operands.some(requires)));
  return [e.node, ...e.ancestors].some((n) => requires(n.condition));
}

function contentIssues(ts: TaskSequence, entries: WalkEntry[], scenario: LintScenario | undefined, out: LintIssue[]): void {
  const steps = entries.filter((e): e is WalkEntry & { node: Step } => e.node.kind === 'step' && enabled(e));
  const partitionsDisk0 = steps.find((e) => typeName(e.node) === 'FormatAndPartitionDisk' && (variable(e.node, 'OSDDiskIndex') ?? '0').trim() === '0');
  if (partitionsDisk0) {
    const download = steps.find((e) => typeName(e.node) === 'DownloadPackageContent' && entries.indexOf(e) < entries.indexOf(partitionsDisk0)
      && !/^custom$/i.test(variable(e.node, 'OSDDownloadDestinationLocationType') ?? 'TSCache'));
    if (download) {
      out.push(issueAt(partitionsDisk0, 'warning', 'cache-repartitioned',
        `repartitions disk 0 after "${download.node.name}" (${download.path}) downloaded content to the cache: partitioning erases it (osd-behaviours §2.17)`));
    }
    // The samples guard the step with "_SMSTSClientCache not exists" so an in-place refresh keeps its cache (§2.17).
    for (const d of guardedByCacheCheck(partitionsDisk0) ? [] : scenario?.downloadAllDeployments ?? []) {
      out.push(issueAt(partitionsDisk0, 'error', 'cache-repartitioned',
        `deployment "${d}" downloads all content locally before starting, and this step repartitions disk 0 where the client cache lives: the re-partition step fails (osd-behaviours §2.17)`));
    }
  }
  if (!scenario) return;
  const known = new Set(scenario.packageIds.map((p) => p.toUpperCase()));
  const children = new Set(steps.flatMap((e) => e.node.variables.filter((v) => SUBTASKSEQUENCE_ID.test(v.name)).map((v) => v.value.toUpperCase())));
  const missing = (id: string) => id.trim() !== '' && !id.includes('%') && !known.has(id.trim().toUpperCase()) && !children.has(id.trim().toUpperCase());
  for (const r of ts.references) {
    if (r.package && missing(r.package)) out.push({ severity: 'error', rule: 'missing-content', message: `the sequence references package ${r.package}, which is not in the scenario's content` });
  }
  for (const e of steps) {
    const reported = new Set<string>();
    for (const v of e.node.variables) {
      if (PACKAGE_ID_VARIABLES.test(v.name) && missing(v.value)) {
        reported.add(v.value.trim().toUpperCase());
        out.push(issueAt(e, 'error', 'missing-content', `${v.name} names package ${v.value}, which is not in the scenario's content`));
      }
    }
    for (const [, id] of e.node.action.matchAll(ACTION_PACKAGE_ID)) {
      if (missing(id) && !reported.has(id.toUpperCase())) {
        reported.add(id.toUpperCase());
        out.push(issueAt(e, 'error', 'missing-content', `the command line names package ${id}, which is not in the scenario's content`));
      }
    }
  }
}

export function lintTaskSequence(ts: TaskSequence, scenario?: LintScenario): LintIssue[] {
  const entries = walkTaskSequence(ts);
  const out: LintIssue[] = [];
  for (const e of entries) {
    if (e.node.condition) conditionIssues(e.node.condition, e, out);
    if (e.node.kind === 'step' && !stepTypeByClass(e.node.type)) {
      out.push(issueAt(e, 'warning', 'unknown-step-type', `unknown step type ${e.node.type}: it runs generically (its <action> command line)`));
    }
  }
  flowIssues(entries, scenario?.startsIn, out);
  variableIssues(ts, entries, out);
  contentIssues(ts, entries, scenario, out);
  const order = new Map(entries.map((e, i) => [e.path, i]));
  return out.sort((a, b) => (a.path === undefined ? -1 : b.path === undefined ? 1 : order.get(a.path)! - order.get(b.path)!));
}
