// One machine of a scenario run: started by the lab, its task sequence run by the engine, then
// observed and scored. Backend-agnostic: everything about the lab goes through `Lab`.
import type { Scenario } from '../../scenarios/index.js';
import type { DeploymentContext } from '../builtin-variables.js';
import { runTaskSequence } from '../engine.js';
import type { Lab, MachineObservation, MachinePlan } from '../lab-backend.js';
import type { TaskSequence } from '../model.js';
import type { MachineOutcome, StepResult } from '../result.js';
import { SmstsLog } from '../smsts-log.js';
import { walkTaskSequence } from '../tree.js';
import { MachineRecorder, WatchedLog, type MachineActivity, type MachineRecording } from './recorder.js';
import type { CaptureOrder } from './captures.js';
import type { DeploymentVariables } from '../variables.js';

/** Everything the runner keeps of one machine's run. */
export interface MachineRecord {
  plan: MachinePlan;
  outcome: MachineOutcome;
  failedStep?: string;
  error?: string;
  steps: StepResult[];
  variables: Record<string, string>;
  /** Absent when the machine never reported anything (stalled). */
  log?: SmstsLog;
  observation: MachineObservation;
  /** Power-on to the end of the task sequence, on the lab's clock. */
  durationMs: number;
  /** Lab clock when the task sequence ended. */
  endedAt: number;
  /** Downloads, cache, restarts and disks, when the run recorded them (options.record). */
  recording?: MachineRecording;
}

/** Collection, computer and media variables as the deployment brings them (harness/variables.ts orders them). */
export function deploymentVariables(plan: MachinePlan): DeploymentVariables {
  return {
    collections: plan.collections.map((c) => ({ collection: c.name, precedence: 1, variables: c.variables })),
    // The machine's own variables (and OSDPartitionStyle/OSDDiskType) reach it like per-computer variables.
    computer: { ...plan.computer?.variables, ...plan.machine.variables },
    ...(plan.media && Object.keys(plan.media.variables).length > 0 ? { media: plan.media.variables } : {}),
    standaloneMedia: plan.launch === 'standaloneMedia',
  };
}

/** ConfigMgr-style advertisement IDs: site code, "2", then the deployment's number in the file. */
export function deploymentContext(scenario: Scenario, plan: MachinePlan, sequence: TaskSequence): Partial<DeploymentContext> {
  const index = scenario.deployments.indexOf(plan.deployment);
  const bootImage = plan.media?.bootImage ?? plan.deployment.bootImage;
  return {
    packageId: sequence.packageId,
    packageName: sequence.name ?? plan.deployment.name,
    advertId: `${scenario.site.code}2${(index + 1).toString(16).toUpperCase().padStart(4, '0')}`,
    siteCode: scenario.site.code,
    ...(scenario.site.managementPoint ? { managementPoint: scenario.site.managementPoint.name } : {}),
    ...(bootImage ? { bootImageId: bootImage } : {}),
  };
}

/** Paths the expectation asks about: present or absent. */
function filesOf(plan: MachinePlan): string[] {
  const expect = plan.machine.expect;
  return [...(expect?.files ?? []), ...(expect?.absentFiles ?? [])];
}

export interface RunMachineOptions {
  /** false: the machine's smsts.log lines are counted, not kept (SmstsLogOptions.keepText). Default true. */
  keepLogText?: boolean;
  /** Record downloads, cache usage, restarts and disks for the report (MachineRecording). Default false. */
  record?: boolean;
  /** Called when the machine starts a step or an operation, and when a download completes. */
  onActivity?: (activity: MachineActivity) => void;
  /** Images captured in the run: the machine starts once those it applies are captured. */
  captures?: CaptureOrder;
}

export async function runMachine(scenario: Scenario, lab: Lab, plan: MachinePlan, sequence: TaskSequence, signal: AbortSignal, options: RunMachineOptions = {}): Promise<MachineRecord> {
  const keepText = options.keepLogText ?? true;
  const watched = options.record === true || options.onActivity !== undefined;
  options.onActivity?.({ machine: plan.machine.name, phase: 'starting', bytesDownloaded: 0, at: lab.clock.now() });
  await options.captures?.ready(plan, signal);
  const start = await lab.start(plan, signal);
  let record: Omit<MachineRecord, 'observation' | 'durationMs' | 'endedAt'>;
  let recorder: MachineRecorder | undefined;
  if (start.started) {
    const machine = options.captures?.watch(plan, start.machine) ?? start.machine;
    recorder = watched ? new MachineRecorder(machine, options.onActivity, plan.machine.clientCacheSize) : undefined;
    const now = () => start.machine.clock.now();
    const log = recorder ? new WatchedLog({ now, keepText }, (step) => recorder!.stepStarted(step)) : keepText && !start.bootLog ? undefined : new SmstsLog({ now, keepText });
    for (const line of start.bootLog ?? []) log?.info(line.message, 'bootstrap.cpp:300', line.component);
    const result = await runTaskSequence({
      sequence,
      machine: recorder ?? machine,
      variables: deploymentVariables(plan),
      deployment: deploymentContext(scenario, plan, sequence),
      ...(log ? { log } : {}),
      signal,
    });
    record = { plan, ...pick(result) };
  } else {
    // The task sequence never started: the boot (or policy) is reported as a pseudo step before the
    // sequence's own steps, all of which did not run.
    const log = new SmstsLog({ now: () => lab.clock.now(), keepText });
    for (const line of start.console ?? []) log.error(line, 'bootstrap.cpp:410', 'TSMBootstrap');
    log.error(`The task sequence did not start: ${start.reason}`, 'bootstrap.cpp:420', 'TSMBootstrap');
    const now = new Date(lab.clock.now()).toISOString();
    const boot: StepResult = { path: '0', name: start.failedStep, type: 'boot', kind: 'step', status: 'failed', reason: start.reason, start: new Date(start.poweredOnAt).toISOString(), end: now };
    const steps = walkTaskSequence(sequence).map(({ node, path }): StepResult => ({ path, name: node.name, type: node.kind === 'group' ? 'group' : node.type, kind: node.kind, status: 'notRun' }));
    record = { plan, outcome: 'failed', failedStep: start.failedStep, steps: [boot, ...steps], variables: {}, log };
  }
  const endedAt = lab.clock.now();
  const observation = await lab.observe(plan, filesOf(plan), signal);
  // A machine that never started downloaded nothing and never restarted: its recording is its disks.
  const recording = recorder?.finished(observation.disks) ?? { disks: observation.disks, downloads: [], cache: [], reboots: [] };
  if (!recorder) options.onActivity?.({ machine: plan.machine.name, phase: 'finished', bytesDownloaded: 0, at: lab.clock.now() });
  return { ...record, observation, durationMs: endedAt - start.poweredOnAt, endedAt, ...(options.record ? { recording } : {}) };
}

function pick(result: Awaited<ReturnType<typeof runTaskSequence>>) {
  return {
    outcome: result.outcome,
    ...(result.failedStep !== undefined ? { failedStep: result.failedStep } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
    steps: result.steps,
    variables: result.variables,
    log: result.log,
  };
}
