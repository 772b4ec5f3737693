// One capacity run: the scenario on the twin through the ordinary runner, watched by a
// PlanCollector (phases, cache failures, completion times) and a UtilisationSampler. Same
// scenario, options and seed → the same numbers, whatever the wall clock says.

import { runScenario, type Lab, type LabBackend, type MachineObservation, type MachineOutcome, type MachinePlan, type MachineStart } from '../../../harness/index.js';
import type { Scenario } from '../../../scenarios/index.js';
import { TwinBackend } from '../scenario-lab.js';
import type { TwinWorld } from '../world.js';
import { PlanCollector, type CacheFailure, type PhaseRow } from './collector.js';
import { distribution, type Distribution } from './percentiles.js';
import { UtilisationSampler, type UtilisationTrack } from './utilisation.js';

export interface CapacityPlanOptions {
  /** Seed of the twin's random numbers (arrival jitter). Default 1. */
  seed?: number;
  /** Each client of a group powers on up to this much later than its arrival pattern says (seeded). Default 0. */
  arrivalJitterMs?: number;
  /** Utilisation sampling interval of virtual time. Default 60 s. */
  sampleIntervalMs?: number;
  signal?: AbortSignal;
}

export interface CompletionGroup {
  /** Client group name, or "machines" for the scenario's single machines. */
  name: string;
  /** Seconds from the start until each of its machines finished, in client order; unfinished ones left out. */
  completionSeconds: number[];
}

export interface CapacityRun {
  /** Machines and clients of the run. */
  machines: number;
  outcomes: Partial<Record<MachineOutcome, number>>;
  /** Machines still waiting when nothing else could happen (content never distributed…). */
  unfinished: number;
  /** Completion times over every machine that finished, seconds. */
  completion: Distribution;
  groups: CompletionGroup[];
  phases: PhaseRow[];
  utilisation: UtilisationTrack[];
  cacheFailures: CacheFailure[];
  /** Simulator events run: the model's work, for the benchmark. */
  events: number;
}

export const DEFAULT_SAMPLE_INTERVAL_MS = 60_000;

export async function runCapacityPlan(scenario: Scenario, options: CapacityPlanOptions = {}): Promise<CapacityRun> {
  const collector = new PlanCollector();
  const backend = new PlanBackend(collector, options);
  // The plan reads no client's smsts.log: not keeping the text saves ~20 KB per running client.
  const run = await runScenario(scenario, { backend, clientLogs: false, ...(options.signal ? { signal: options.signal } : {}) });
  const { world, plans, sampler } = backend.opened();
  const utilisation = sampler.finish();
  const outcomes: Partial<Record<MachineOutcome, number>> = {};
  for (const m of run.result.machines) {
    if (m.clients) for (const [o, n] of Object.entries(m.clients.outcomes)) outcomes[o as MachineOutcome] = (outcomes[o as MachineOutcome] ?? 0) + n;
    else outcomes[m.outcome] = (outcomes[m.outcome] ?? 0) + 1;
  }
  const groups = new Map<string, number[]>();
  for (const plan of plans) {
    const name = plan.group ?? 'machines';
    const list = groups.get(name) ?? [];
    groups.set(name, list);
    const at = collector.completedMs.get(plan.machine.name);
    if (at !== undefined) list.push(at / 1000);
  }
  return {
    machines: plans.length,
    outcomes,
    unfinished: plans.length - collector.completedMs.size,
    completion: distribution([...collector.completedMs.values()].map((ms) => ms / 1000)),
    groups: [...groups].map(([name, completionSeconds]) => ({ name, completionSeconds })),
    phases: collector.phaseTable(),
    utilisation,
    cacheFailures: collector.cacheFailures,
    events: world.sim.eventsRun,
  };
}

/** The twin backend with the plan's observer, sampler and arrival jitter attached to its world. */
class PlanBackend implements LabBackend {
  readonly name = 'twin' as const;
  private state?: { world: TwinWorld; plans: MachinePlan[]; sampler: UtilisationSampler };

  constructor(
    private readonly collector: PlanCollector,
    private readonly options: CapacityPlanOptions,
  ) {}

  async open(scenario: Scenario, plans: MachinePlan[], signal: AbortSignal): Promise<Lab> {
    let world: TwinWorld | undefined;
    const twin = new TwinBackend({ seed: this.options.seed ?? 1, onWorld: (w) => (world = w) });
    const lab = await twin.open(scenario, plans, signal);
    const w = world!;
    w.observer = this.collector;
    const jitter = this.options.arrivalJitterMs ?? 0;
    // Drawn in client order from the world's seeded generator: the same seed gives the same arrivals.
    if (jitter > 0) for (const plan of plans) if (plan.group) plan.powerOnAtMs += Math.floor(w.sim.random() * jitter);
    const sampler = new UtilisationSampler(w, this.options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS);
    this.state = { world: w, plans, sampler };
    return new ObservedLab(lab, w, this.collector);
  }

  opened(): NonNullable<PlanBackend['state']> {
    if (!this.state) throw new Error('the capacity plan never opened its lab');
    return this.state;
  }
}

/** The twin's lab, noting on the virtual clock when each machine's task sequence ended. */
class ObservedLab implements Lab {
  constructor(
    private readonly inner: Lab,
    private readonly world: TwinWorld,
    private readonly collector: PlanCollector,
  ) {}

  get clock() {
    return this.inner.clock;
  }

  start(plan: MachinePlan, signal: AbortSignal): Promise<MachineStart> {
    return this.inner.start(plan, signal);
  }

  run(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
    return this.inner.run(work, signal);
  }

  observe(plan: MachinePlan, files: string[], signal: AbortSignal): Promise<MachineObservation> {
    // The runner observes a machine the moment its task sequence ends (or it never started).
    this.collector.completed(plan.machine.name, this.world.sim.now());
    return this.inner.observe(plan, files, signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
