// The variables a step sees while it runs (osd-behaviours §3.1–3.2): its own values are "local defaults"
// under the environment, except hidden ones (package IDs, command lines), which belong to the step.
import type { Step } from '../model.js';
import { stepTypeByClass, stepTypeVariable } from '../step-types.js';

export type VariableLookup = (name: string) => string | undefined;

export function stepVariableView(step: Step, environment: VariableLookup): VariableLookup {
  const type = stepTypeByClass(step.type);
  // Keyed once per view: actions ask many times (Format and Partition Disk: every partition's every
  // property), and lower-casing each of the step's variables per question was most of the engine's garbage.
  const ownByName = new Map<string, Step['variables'][number]>();
  for (const v of step.variables) {
    const key = v.name.toLowerCase();
    if (!ownByName.has(key)) ownByName.set(key, v);
  }
  return (name) => {
    const own = ownByName.get(name.toLowerCase());
    if (own?.hidden) return own.value;
    const global = environment(name);
    if (global !== undefined) return global;
    if (own) return own.value;
    return type ? stepTypeVariable(type, name)?.default : undefined;
  };
}
