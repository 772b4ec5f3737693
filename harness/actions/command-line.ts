// Actions whose effect the machine contract has no primitive for run their <action> command line, as the
// real engine does: the QEMU agent executes it, the twin dispatches on the executable. Vendor (unknown)
// step types run the same way.
import type { RunEnvironment } from '../machine.js';
import { catalogue } from './common.js';
import type { ActionContext, ActionModule, ActionResult } from './types.js';

export async function runActionLine(ctx: ActionContext): Promise<ActionResult> {
  const commandLine = ctx.expand(ctx.step.action);
  ctx.log.info(`Start executing the command line: ${commandLine}`, 'instruction.cxx:732');
  const outcome = await ctx.machine.runCommand({ commandLine, disableWow64Redirection: false }, ctx.signal);
  ctx.log.info(`Process completed with exit code ${outcome.exitCode}`, 'CommandLine.cpp:1115');
  return outcome;
}

export function commandLineAction(className: string, environments: readonly RunEnvironment[]): ActionModule {
  return { stepType: catalogue(className), environments, run: runActionLine };
}
