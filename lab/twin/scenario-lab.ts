// The twin as a LabBackend (harness/lab-backend.ts): a scenario becomes one TwinWorld and one twin
// machine per plan; every machine runs in the same simulation, on one virtual clock that starts at
// the wall time the lab opened (so smsts.log and step times read like a real run's).
import { EnvironmentError, type Scenario } from '../../scenarios/index.js';
import type { CapturedImageFacts, Lab, LabBackend, MachineClock, MachineObservation, MachinePlan, MachineStart, TaskSequenceMachine } from '../../harness/index.js';
import { scenarioBootImageDriverLists, scenarioDriverCatalog, type CatalogDriver, type DriverCatalog } from '../../drivers/index.js';
import { NIC_PCI } from './devices.js';
import { twinDriverConfig } from './scenario/drivers.js';
import { twinMachineConfig } from './scenario/machine-config.js';
import { ScenarioTwinMachine } from './scenario/scenario-machine.js';
import { twinWorldConfig } from './scenario/world-config.js';
import { normalizePath } from './disk/volume.js';
import { TwinWorld } from './world.js';

/** The pseudo step a machine that never reached its task sequence fails at, per launch. */
const START_STEP: Record<MachinePlan['launch'], string> = {
  pxe: '(PXE boot)',
  bootMedia: '(media boot)',
  standaloneMedia: '(media boot)',
  prestagedMedia: '(media boot)',
  client: '(boot)',
};
const EXPECTED_START: Record<MachinePlan['launch'], string> = {
  pxe: 'pxe',
  bootMedia: 'bootMedia',
  standaloneMedia: 'standaloneMedia',
  prestagedMedia: 'prestagedMedia',
  client: 'disk',
};
const STARTED_FROM: Record<string, string> = {
  pxe: 'booted Windows PE by PXE',
  bootMedia: 'booted Windows PE from boot media',
  standaloneMedia: 'booted stand-alone media',
  prestagedMedia: 'booted prestaged media',
  disk: 'booted from its disk',
};

export interface TwinBackendOptions {
  /** Seed of the world's random numbers (default 1). */
  seed?: number;
  /** Called with each world before its machines start: a capacity plan attaches its observer and sampler here. */
  onWorld?: (world: TwinWorld) => void;
}

export class TwinBackend implements LabBackend {
  readonly name = 'twin' as const;

  constructor(private readonly options: TwinBackendOptions = {}) {}

  async open(scenario: Scenario, plans: MachinePlan[], signal: AbortSignal): Promise<Lab> {
    signal.throwIfAborted();
    const catalog = await scenarioDriverCatalog(scenario, signal);
    const lab = new TwinScenarioLab(scenario, plans, { catalog, lists: scenarioBootImageDriverLists(scenario, catalog) }, this.options.seed);
    this.options.onWorld?.(lab.world);
    return lab;
  }
}

class TwinScenarioLab implements Lab {
  readonly clock: MachineClock;
  readonly world: TwinWorld;
  private readonly machines = new Map<MachinePlan, ScenarioTwinMachine>();
  /** Machines switched off by a powerOff event: their operations reject from then on. */
  private readonly powerCuts = new Map<string, { promise: Promise<never>; cut: () => void }>();

  constructor(
    private readonly scenario: Scenario,
    plans: MachinePlan[],
    drivers: { catalog: DriverCatalog; lists: ReadonlyMap<string, CatalogDriver[]> },
    seed?: number,
  ) {
    const config = twinWorldConfig(scenario, plans);
    this.world = new TwinWorld(seed === undefined ? config : { ...config, seed });
    const sim = this.world.sim;
    // Whole seconds, so the virtual clock's times are easy to read against the wall clock's.
    const epoch = Math.floor(Date.now() / 1000) * 1000;
    this.clock = { now: () => epoch + sim.now(), sleep: (ms, signal) => sim.sleep(ms, signal) };
    for (const plan of plans) {
      const { config, extras } = twinMachineConfig(scenario, plan);
      config.drivers = twinDriverConfig(scenario, drivers.catalog, drivers.lists, extras.nicPci ?? NIC_PCI[config.nic.model]);
      this.machines.set(plan, new ScenarioTwinMachine(this.world, config, extras, this.clock));
    }
    this.scheduleEvents(new Set(plans.map((p) => p.machine.name)));
  }

  private scheduleEvents(running: Set<string>): void {
    const sim = this.world.sim;
    const switchedOff = new Map<string, number>();
    for (const e of this.scenario.events) {
      if (e.action === 'clearLastPxeDeployment') {
        sim.at(e.at, () => {
          for (const responders of this.world.pxeResponders.values()) for (const r of responders) r.clearLastPxeAdvertisement(e.machine);
        });
      } else if (e.action === 'powerOff' && running.has(e.machine)) {
        switchedOff.set(e.machine, Math.min(e.at, switchedOff.get(e.machine) ?? Infinity));
        const cut = this.powerCut(e.machine);
        sim.at(e.at, cut.cut);
      } else if (e.action === 'powerOn' && e.at > (switchedOff.get(e.machine) ?? Infinity)) {
        throw new EnvironmentError(`events: the twin cannot switch ${e.machine} on again after it was switched off`, 'leave out the later powerOn event for twin runs');
      }
    }
  }

  private powerCut(machine: string) {
    let cut = this.powerCuts.get(machine);
    if (!cut) {
      const d = this.world.sim.deferred<never>();
      d.promise.catch(() => undefined);
      cut = { promise: d.promise, cut: () => d.reject(new Error(`power lost: ${machine} was switched off (scenario event)`)) };
      this.powerCuts.set(machine, cut);
    }
    return cut;
  }

  async start(plan: MachinePlan, signal: AbortSignal): Promise<MachineStart> {
    const machine = this.machines.get(plan)!;
    const sim = this.world.sim;
    await sim.sleep(plan.powerOnAtMs - sim.now(), signal);
    const poweredOnAt = this.clock.now();
    const notStarted = (reason: string, console?: string[]): MachineStart => ({ started: false, failedStep: START_STEP[plan.launch], reason, ...(console ? { console } : {}), poweredOnAt });
    const needsSite = plan.launch === 'pxe' || plan.launch === 'bootMedia' || plan.launch === 'client';
    if (needsSite && !this.scenario.site.managementPoint) return notStarted('the site has no management point to give the machine its policy');
    const boot = await machine.powerOn(signal);
    if (!boot.booted) return notStarted(boot.reason, boot.console);
    const from = boot.facts.bootedFrom;
    if (from !== EXPECTED_START[plan.launch] || (plan.launch === 'client' && boot.environment !== 'FullOS')) {
      return notStarted(`the machine ${STARTED_FROM[from]}, but deployment "${plan.deployment.name}" reaches it only as ${START_STEP[plan.launch]} would`);
    }
    if (plan.launch === 'client') {
      if (!plan.machine.boundary) return notStarted('the ConfigMgr client has no network to reach the management point');
      // The client polls the management point for policy before it starts the deployment.
      const mp = this.world.managementPoints.get(machine.config.site)!;
      await sim.sleep(mp.policyReadyAt(sim.now()) - sim.now(), signal);
    }
    const cut = this.powerCuts.get(plan.machine.name);
    return { started: true, machine: cut ? withPowerCut(machine, cut.promise) : machine, poweredOnAt };
  }

  async run(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
    let failure: { error: unknown } | undefined;
    work.catch((error: unknown) => (failure = { error }));
    await this.world.sim.run({ signal });
    // Let the last continuations (observation, scoring) settle before judging what is unfinished.
    await new Promise((resolve) => setImmediate(resolve));
    if (failure) throw failure.error;
  }

  async observe(plan: MachinePlan, files: string[]): Promise<MachineObservation> {
    const machine = this.machines.get(plan)!;
    const facts = await machine.facts();
    return {
      disks: facts.disks,
      files: Object.fromEntries(files.map((f) => [f, machine.volumeOf(f, true)?.info(f).exists ?? false])),
      userStateRestored: machine.userStateRestored,
      bootsToFullOs: machine.bootsToFullOs(),
      ...(machine.lastCapture ? { capturedImage: capturedImageFacts(machine.lastCapture, plan.machine.expect?.capturedImage?.files ?? []) } : {}),
    };
  }

  async close(): Promise<void> {
    this.machines.clear();
  }
}

/** After the power cut every operation of the machine rejects: a fault that ends its run ("error"). */
function withPowerCut(machine: TaskSequenceMachine, lost: Promise<never>): TaskSequenceMachine {
  return new Proxy(machine, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'powerOff') return value;
      return (...args: unknown[]) => Promise.race([(value as (...a: unknown[]) => Promise<unknown>).apply(target, args), lost]);
    },
  });
}

/** The twin's captured image as the scoring sees a captured WIM: one image, the step's name, description and version. */
function capturedImageFacts(capture: NonNullable<ScenarioTwinMachine['lastCapture']>, files: string[]): CapturedImageFacts {
  const { request } = capture;
  return {
    destination: request.destination,
    imageCount: 1,
    name: request.name ?? 'C:',
    ...(request.description !== undefined ? { description: request.description } : {}),
    ...(request.version !== undefined ? { version: request.version } : {}),
    files: Object.fromEntries(files.map((f) => [f, capture.files.has(normalizePath(f))])),
  };
}
