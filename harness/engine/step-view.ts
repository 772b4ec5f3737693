// The variables a step sees while it runs (osd-behaviours §3.1–3.2): its own values are "local defaults"
// under the environment, except hidden ones (package IDs, command lines), which belong to the step.
import type { Step } from '../model.js';
import { stepTypeByClass, stepTypeVariable } from '../step-types.js';

export type VariableLookup = (name: string) => string | undefined;

export function stepVariableView(step: Step, environment: VariableLookup): VariableLookup {
  const type = stepTypeByClass(step.type);
  return (name) => {
    const own = step.variables.find((v) => v.name.toLowerCase() === name.toLowerCase());
    if (own?.hidden) return own.value;
    const global = environment(name);
    if (global !== undefined) return global;
    if (own) return own.value;
    return type ? stepTypeVariable(type, name)?.default : undefined;
  };
}
