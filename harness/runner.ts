// The scenario runner: resolves what each machine runs, opens a lab on the chosen backend, runs every
// machine concurrently in it (one simulation on the twin), and scores each against its `expect:`.
// Semantics and conventions: docs/runner.md.
import { setMaxListeners } from 'node:events';
import type { ClientGroup, Scenario } from '../scenarios/index.js';
import { importScenarioSequences } from './scenario-sequences.js';
import type { LabBackend, MachinePlan } from './lab-backend.js';
import type { ExpectationResult, MachineOutcome, MachineResult, RunResult } from './result.js';
import { CaptureOrder } from './runner/captures.js';
import { runMachine, type MachineRecord } from './runner/machine-run.js';
import type { MachineActivity, MachineRecording } from './runner/recorder.js';
import { planScenario } from './runner/plan.js';
import { selectPlans, type Shard } from './runner/select.js';
import { scoreMachine } from './scoring.js';
import type { LogFile } from './smsts-log.js';

export interface RunScenarioOptions {
  backend: LabBackend;
  /** Machine or client-group names, exact or globs with * and ?. */
  only?: string[];
  shard?: Shard;
  signal?: AbortSignal;
  /** Called as each machine (or whole client group) finishes, in the order they finish. */
  onProgress?: (progress: MachineProgress) => void;
  /** Called as a machine starts a step or an operation and as its downloads complete (not for capacity-group clients). */
  onActivity?: (activity: MachineActivity) => void;
  /**
   * Whether client groups keep smsts.log text (default true): false for capacity plans, which read no
   * client's log — 10^5 formatted logs are gigabytes. Single machines always keep theirs.
   */
  clientLogs?: boolean;
}

export interface MachineProgress {
  result: MachineResult;
  /** On the lab's clock: power-on to the end (machines), or the makespan (client groups). */
  durationMs: number;
}

export interface ScenarioRun {
  result: RunResult;
  /** Result name → smsts.log and its rolled segments. Client groups keep the last client's and failed clients' logs. */
  logs: Map<string, LogFile[]>;
  /** Machines and client groups of the scenario this run left out (--only, --shard). */
  skipped: string[];
  /** Duration of each result entry on the lab's clock, as reported to onProgress. */
  durations: Map<string, number>;
  /** Per machine (not client groups): downloads, cache usage, restarts and final disks, for the HTML report. */
  recordings: Map<string, MachineRecording>;
}

/** Logs kept per client group besides the last client's: the first failed clients. */
const FAILED_CLIENT_LOGS = 10;

export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioRun> {
  // One signal reaches every machine's operations: hundreds of listeners are expected, not a leak.
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const outer = options.signal;
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
  const signal = controller.signal;
  const startedAt = new Date().toISOString();
  const { selected, skipped } = selectPlans(planScenario(scenario), options.only, options.shard);
  const { sequences } = await importScenarioSequences(scenario, selected.map((p) => p.deployment));
  const captures = new CaptureOrder(scenario, selected, sequences);
  const lab = await options.backend.open(scenario, selected, signal);
  // Only which plans finished: a record holds the machine's whole log, too much to keep for 10^5 clients.
  const finished = new Set<MachinePlan>();
  const logs = new Map<string, LogFile[]>();
  const durations = new Map<string, number>();
  const recordings = new Map<string, MachineRecording>();
  const machines: MachineResult[] = [];
  const report = (result: MachineResult, durationMs: number) => {
    machines.push(result);
    durations.set(result.name, durationMs);
    options.onProgress?.({ result, durationMs });
  };
  try {
    const openedAt = lab.clock.now();
    const groups = new GroupTracker(scenario, selected, openedAt, (result, durationMs, groupLogs) => {
      for (const [name, files] of groupLogs) logs.set(name, files);
      report(result, durationMs);
    });
    const work = selected.map(async (plan) => {
      const keepLogText = !plan.group || (options.clientLogs ?? true);
      const watch = plan.group ? {} : { record: true, ...(options.onActivity ? { onActivity: options.onActivity } : {}) };
      const record = await runMachine(scenario, lab, plan, sequences.get(plan.deployment.name)!, signal, { keepLogText, ...watch, captures }).finally(() => captures.finished(plan));
      finished.add(plan);
      if (plan.group) {
        groups.finished(record);
      } else {
        if (record.log) logs.set(plan.machine.name, record.log.files());
        if (record.recording) recordings.set(plan.machine.name, record.recording);
        report(machineResult(record), Math.round(record.durationMs));
      }
    });
    await lab.run(Promise.all(work), signal);
    for (const plan of selected) {
      if (finished.has(plan)) continue;
      const record = stalled(plan, lab.clock.now(), openedAt);
      if (plan.group) groups.finished(record);
      else report(machineResult(record), record.durationMs);
    }
  } finally {
    await lab.close();
  }
  // Results in scenario order, whatever order they finished in.
  const order = new Map([...new Set(selected.map((p) => p.group ?? p.machine.name))].map((name, i) => [name, i]));
  machines.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  const result: RunResult = {
    pass: machines.every((m) => m.pass),
    scenario: scenario.file,
    backend: options.backend.name,
    startedAt,
    finishedAt: new Date().toISOString(),
    machines,
  };
  return { result, logs, skipped, durations, recordings };
}

/** A machine still waiting when the lab had nothing left to do (content never distributed, a stalled prompt). */
function stalled(plan: MachinePlan, now: number, openedAt: number): MachineRecord {
  return {
    plan,
    outcome: 'error',
    error: 'the machine was still waiting when nothing else could happen in the lab (e.g. content that is never distributed)',
    steps: [],
    variables: {},
    observation: { disks: [], files: {}, userStateRestored: false, bootsToFullOs: false },
    durationMs: Math.max(0, now - openedAt - plan.powerOnAtMs),
    endedAt: now,
  };
}

function machineResult(record: MachineRecord): MachineResult {
  const { plan, observation } = record;
  const expectations = scoreMachine(plan.machine.expect, {
    outcome: record.outcome,
    ...(record.failedStep !== undefined ? { failedStep: record.failedStep } : {}),
    steps: record.steps,
    variables: record.variables,
    ...observation,
    durationMs: Math.round(record.durationMs),
  });
  return {
    name: plan.machine.name,
    ...(plan.machine.axes ? { axes: plan.machine.axes } : {}),
    outcome: record.outcome,
    ...(record.failedStep !== undefined ? { failedStep: record.failedStep } : {}),
    ...(record.outcome === 'error' && record.error !== undefined ? { error: record.error } : {}),
    steps: record.steps,
    variables: record.variables,
    expectations,
    pass: verdict(record.outcome, expectations, plan.machine.expect !== undefined),
  };
}

/** Every expectation held; a machine without `expect:` passes when its task sequence succeeded; a lab error never passes. */
function verdict(outcome: MachineOutcome, expectations: ExpectationResult[], expected: boolean): boolean {
  if (outcome === 'error') return false;
  return expectations.every((e) => e.pass) && (expected || outcome === 'success');
}

/** What a group keeps of its clients while they finish: counts, and only the records it will report. */
interface GroupTally {
  size: number;
  seen: number;
  outcomes: Partial<Record<MachineOutcome, number>>;
  /** The client that finished last so far (the first of equal end times). */
  last?: MachineRecord;
  firstError?: MachineRecord;
  /** The first clients that did not succeed, in the order they finished. */
  failed: MachineRecord[];
}

/** Collects the clients of each capacity group and reports the group as one result when its last client is in. */
class GroupTracker {
  private readonly tallies = new Map<string, GroupTally>();

  constructor(
    private readonly scenario: Scenario,
    plans: MachinePlan[],
    private readonly openedAt: number,
    private readonly done: (result: MachineResult, makespanMs: number, logs: Map<string, LogFile[]>) => void,
  ) {
    for (const p of plans) {
      if (!p.group) continue;
      const tally = this.tallies.get(p.group) ?? { size: 0, seen: 0, outcomes: {}, failed: [] };
      tally.size++;
      this.tallies.set(p.group, tally);
    }
  }

  finished(record: MachineRecord): void {
    const name = record.plan.group!;
    const tally = this.tallies.get(name)!;
    tally.seen++;
    tally.outcomes[record.outcome] = (tally.outcomes[record.outcome] ?? 0) + 1;
    if (!tally.last || record.endedAt > tally.last.endedAt) tally.last = record;
    if (record.outcome === 'error') tally.firstError ??= record;
    if (record.outcome !== 'success' && tally.failed.length < FAILED_CLIENT_LOGS) tally.failed.push(record);
    if (tally.seen === tally.size) this.report(this.scenario.clients.find((g) => g.name === name)!, tally);
  }

  private report(group: ClientGroup, tally: GroupTally): void {
    const last = tally.last!;
    const { outcomes } = tally;
    const makespanMs = Math.round(last.endedAt - this.openedAt);
    const expectations: ExpectationResult[] = [];
    if (group.expect?.outcome !== undefined) {
      const uniform = Object.keys(outcomes).length === 1 ? Object.keys(outcomes)[0] : outcomes;
      expectations.push({ what: 'outcome of every client', pass: outcomes[group.expect.outcome] === tally.size, expected: group.expect.outcome, actual: uniform });
    }
    if (group.expect?.makespan) {
      const { min, max } = group.expect.makespan;
      expectations.push({ what: 'makespan (ms)', pass: (min === undefined || makespanMs >= min) && (max === undefined || makespanMs <= max), expected: { min, max }, actual: makespanMs });
    }
    const failed = tally.failed[0];
    const worst: MachineOutcome = outcomes.error ? 'error' : outcomes.failed ? 'failed' : 'success';
    const result: MachineResult = {
      name: group.name,
      outcome: worst,
      ...(failed?.failedStep !== undefined ? { failedStep: failed.failedStep } : {}),
      ...(worst === 'error' ? { error: tally.firstError!.error } : {}),
      steps: last.steps,
      variables: last.variables,
      expectations,
      pass: verdict(worst, expectations, group.expect !== undefined),
      clients: { count: tally.size, outcomes, makespanMs, last: last.plan.machine.name },
    };
    const logs = new Map<string, LogFile[]>();
    for (const r of [last, ...tally.failed]) {
      const files = r.log?.files() ?? [];
      if (files.length > 0) logs.set(r === last ? group.name : r.plan.machine.name, files);
    }
    this.done(result, makespanMs, logs);
  }
}
