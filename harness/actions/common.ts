// Small helpers shared by the action modules.
import { stepTypeByClass, type StepType } from '../step-types.js';
import { WIN32, type ActionContext, type ActionResult } from './types.js';

/** The catalogue entry of a class the table registers; a missing one is a defect in the table, not user input. */
export function catalogue(className: string): StepType {
  const t = stepTypeByClass(className);
  if (!t) throw new Error(`step type ${className} is not in harness/step-types.ts`);
  return t;
}

/** ConfigMgr's booleans are "true"/"false" in any case. */
export function flag(value: string | undefined, fallback = false): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  return value.trim().toLowerCase() === 'true';
}

export function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

export function failure(reason: string, exitCode: number = WIN32.fail): ActionResult {
  return { exitCode, reason };
}

/** A variable the action needs, or the reason the step fails without it. */
export function required(ctx: ActionContext, name: string): string | undefined {
  const v = ctx.variable(name);
  return v === undefined || v.trim() === '' ? undefined : ctx.expand(v);
}

export const missing = (name: string) => `The required variable ${name} is not set`;

/** Makes a package's content available for the step (download on demand into the TS cache). */
export async function packageContent(ctx: ActionContext, packageId: string | undefined): Promise<{ location?: string; failed?: ActionResult }> {
  if (!packageId) return {};
  const content = await ctx.machine.downloadContent({ packageId, mode: 'downloadOnDemand', destination: 'tsCache' }, ctx.signal);
  if (content.exitCode !== 0) {
    // Why the machine could not get it (no network adapter, cache too small …), as the download component logs it.
    for (const line of content.output ?? []) ctx.log.error(line, 'downloadcontent.cpp:1004', 'OSDDownloadContent');
    return { failed: { ...content, reason: `Failed to resolve the source for package ${packageId}` } };
  }
  return { location: content.location };
}

/** ConfigMgr keeps the last 1000 characters of a command's output in the step's output variable. */
export function storeOutput(ctx: ActionContext, variableName: string | undefined, output: string[] | undefined): void {
  if (variableName) ctx.setVariable(variableName, (output ?? []).join('\r\n').slice(-1000));
}

/** What osddriverclient.exe says about a driver step (the machine's output lines) goes into smsts.log under its component. */
export function logDriverClient(ctx: ActionContext, outcome: { exitCode: number; output?: string[] }): void {
  for (const line of outcome.output ?? []) ctx.log.info(line, 'osddriverclient.cpp:1020', 'OSDDriverClient');
}
