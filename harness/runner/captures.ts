// Build and capture in one run: an OS image whose source is `capturedBy` a machine of the scenario
// is the WIM that machine's Capture Operating System Image step writes. A machine whose task
// sequence uses that image starts once the capture is done (or its capturer's run ended without
// one, when the image is then missing on the site as content that was never distributed). The lab
// makes the captured WIM the package's content; the runner only orders the machines.
import type { Scenario } from '../../scenarios/index.js';
import type { ActionOutcome, CaptureImageRequest, TaskSequenceMachine } from '../machine.js';
import type { MachinePlan } from '../lab-backend.js';
import type { Step, TaskSequence } from '../model.js';
import { walkTaskSequence } from '../tree.js';
import { scenarioProblem } from './plan.js';

const CAPTURE_STEP = 'SMS_TaskSequence_CaptureSystemImageAction';

interface CapturedImage {
  packageId: string;
  capturer: MachinePlan;
  done: Promise<void>;
  resolve: () => void;
}

/** Steps of a sequence that are enabled (disabled steps never run). */
function enabledSteps(sequence: TaskSequence): Step[] {
  return walkTaskSequence(sequence)
    .map((e) => e.node)
    .filter((n): n is Step => n.kind === 'step' && !n.disabled);
}

/** Whether the sequence names the package in a step variable or its references. */
function uses(sequence: TaskSequence, packageId: string): boolean {
  const id = packageId.toUpperCase();
  return sequence.references.some((r) => r.package?.toUpperCase() === id) || enabledSteps(sequence).some((s) => s.variables.some((v) => v.value.trim().toUpperCase() === id));
}

export class CaptureOrder {
  private readonly images: CapturedImage[] = [];
  private readonly waits = new Map<MachinePlan, CapturedImage[]>();

  /**
   * Checks every `capturedBy` against the plans of this run and their sequences (InputError at the
   * field otherwise) and works out who waits for whom.
   */
  constructor(scenario: Scenario, plans: MachinePlan[], sequences: Map<string, TaskSequence>) {
    scenario.content.osImages.forEach((os, i) => {
      if (!os.capturedBy) return;
      const at = ['content', 'osImages', i, 'capturedBy'];
      const name = os.capturedBy.machine;
      const capturer = plans.find((p) => !p.group && p.machine.name === name);
      const users = plans.filter((p) => p !== capturer && uses(sequences.get(p.deployment.name)!, os.id));
      if (!capturer) {
        const known = scenario.machines.some((m) => m.name === name);
        if (!known) throw scenarioProblem(scenario, [...at, 'machine'], `"${name}" is not a machine of this scenario; allowed: ${scenario.machines.map((m) => m.name).join(', ') || 'none'}`);
        if (users.length === 0) return;
        throw scenarioProblem(scenario, [...at, 'machine'], `machine "${users[0]!.machine.name}" applies ${os.id}, captured by "${name}", which this run leaves out (--only, --shard): run both`);
      }
      if (os.source !== undefined) throw scenarioProblem(scenario, at, 'an image captured in the run has no "source": the capture is its source');
      const sequence = sequences.get(capturer.deployment.name)!;
      const captures = enabledSteps(sequence).filter((s) => s.type === CAPTURE_STEP && (os.capturedBy!.step === undefined || s.name === os.capturedBy!.step));
      if (captures.length === 0) {
        const which = os.capturedBy.step === undefined ? 'enabled Capture Operating System Image step' : `enabled Capture Operating System Image step named "${os.capturedBy.step}"`;
        throw scenarioProblem(scenario, [...at, os.capturedBy.step === undefined ? 'machine' : 'step'], `the task sequence of "${name}" (deployment "${capturer.deployment.name}") has no ${which}`);
      }
      if (uses(sequence, os.id)) throw scenarioProblem(scenario, [...at, 'machine'], `"${name}" captures ${os.id} and its own task sequence applies it: no machine can apply an image before it is captured`);
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      const image = { packageId: os.id, capturer, done, resolve };
      this.images.push(image);
      for (const user of users) this.waits.set(user, [...(this.waits.get(user) ?? []), image]);
    });
    this.refuseCycles(scenario);
  }

  /** A machine that waits for an image captured by a machine that waits for it (directly or not) would wait forever. */
  private refuseCycles(scenario: Scenario): void {
    const visit = (plan: MachinePlan, path: MachinePlan[]): void => {
      for (const image of this.waits.get(plan) ?? []) {
        if (path.includes(image.capturer)) {
          const i = scenario.content.osImages.findIndex((o) => o.id === image.packageId);
          throw scenarioProblem(scenario, ['content', 'osImages', i, 'capturedBy', 'machine'], `machines ${[...path, image.capturer].map((p) => `"${p.machine.name}"`).join(' → ')} wait for each other's captures`);
        }
        visit(image.capturer, [...path, image.capturer]);
      }
    };
    for (const plan of this.waits.keys()) visit(plan, [plan]);
  }

  /** Resolves when every image the plan's sequence applies has been captured (or its capturer ended). */
  async ready(plan: MachinePlan, signal: AbortSignal): Promise<void> {
    const waits = this.waits.get(plan);
    if (!waits) return;
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    await Promise.race([Promise.all(waits.map((w) => w.done)), aborted]);
  }

  /** The machine as the engine sees it; a capturer's successful capture releases the machines waiting for it. */
  watch(plan: MachinePlan, machine: TaskSequenceMachine): TaskSequenceMachine {
    const mine = this.images.filter((i) => i.capturer === plan);
    if (mine.length === 0) return machine;
    return new Proxy(machine, {
      get(target, property) {
        if (property === 'captureImage') {
          return async (request: CaptureImageRequest, signal?: AbortSignal): Promise<ActionOutcome> => {
            const outcome = await target.captureImage(request, signal);
            if (outcome.exitCode === 0) for (const image of mine) image.resolve();
            return outcome;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** The plan's run ended: machines still waiting for its captures go on (and find no image). */
  finished(plan: MachinePlan): void {
    for (const image of this.images) if (image.capturer === plan) image.resolve();
  }
}
