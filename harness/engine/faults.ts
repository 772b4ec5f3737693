// What ends a run as "error": a machine operation that rejects (power lost, the VM gone, the harness
// aborting). A failed action is never a fault; it resolves with its exit code.
import type { TaskSequenceMachine } from '../machine.js';

/** A machine fault or harness abort: ends the run with outcome "error". */
export class RunFault extends Error {}

export const toFault = (err: unknown): RunFault => (err instanceof RunFault ? err : new RunFault(err instanceof Error ? err.message : String(err)));

/**
 * The machine as the engine and the actions see it: an operation that rejects is a fault (power lost, the VM
 * gone, the harness aborting) and ends the run as "error"; anything else thrown is a defect and propagates.
 */
export function faultsEndTheRun(machine: TaskSequenceMachine): TaskSequenceMachine {
  return new Proxy(machine, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        return result instanceof Promise ? result.catch((err: unknown) => Promise.reject(toFault(err))) : result;
      };
    },
  });
}
