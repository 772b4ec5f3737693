// Install Package and Install Application (osd-behaviours §2.20): one item, or the list in <Base>001,
// <Base>002, … up to the first missing number, installed in order. Each item's content is made available,
// then its program runs through runCommand with the program (or application) name as the command line;
// the backend maps names to what its content model installs. Exit 3010 is success and asks for a restart
// after the step; any other non-success fails the item, which ends the list unless ContinueOnInstallError.
import { catalogue, flag, packageContent } from './common.js';
import type { ActionContext, ActionModule, ActionResult } from './types.js';

interface InstallItem {
  /** What the log and the failure name: "PKG00001:Install" or the application name. */
  label: string;
  packageId?: string;
  program: string;
}

/** The <Base>NNN list, numbered from 001 and ending at the first gap, as smsswd.exe reads it. */
export function baseVariableList(ctx: ActionContext, base: string): string[] {
  const out: string[] = [];
  for (let n = 1; n <= 999; n++) {
    const value = ctx.variable(`${base}${String(n).padStart(3, '0')}`);
    if (value === undefined || value === '') break;
    out.push(value);
  }
  return out;
}

async function installAll(ctx: ActionContext, items: InstallItem[], what: string): Promise<ActionResult> {
  const continueOnError = flag(ctx.variable('ContinueOnInstallError'));
  let failed: ActionResult | undefined;
  let restart = false;
  for (const item of items) {
    const content = await packageContent(ctx, item.packageId);
    let outcome: ActionResult = content.failed ?? { exitCode: 0 };
    if (!content.failed) {
      ctx.log.info(`Installing ${what} ${item.label}`, 'installsoftware.cpp:412', 'InstallSoftware');
      outcome = await ctx.machine.runCommand(
        { commandLine: item.program, packageLocation: content.location, timeoutSeconds: ctx.step.timeoutSeconds, disableWow64Redirection: false },
        ctx.signal,
      );
    }
    if (outcome.exitCode === 3010) restart = true;
    if (outcome.exitCode === 0 || outcome.exitCode === 3010) continue;
    ctx.log.error(`Install ${what} action failed: '${item.label}'. Error Code ${outcome.exitCode}`, 'installsoftware.cpp:530', 'InstallSoftware');
    failed ??= { exitCode: outcome.exitCode, output: outcome.output, reason: `Install ${what} action failed: '${item.label}' (exit code ${outcome.exitCode})` };
    if (!continueOnError) break;
  }
  if (failed) return failed;
  return { exitCode: 0, rebootRequested: restart };
}

function packageItems(ctx: ActionContext): InstallItem[] | string {
  const base = ctx.variable('BaseVariableName');
  if (base) {
    const list = baseVariableList(ctx, base);
    const items = list.map((value) => {
      const [packageId, ...program] = value.split(':');
      return { label: value, packageId: packageId.trim(), program: program.join(':').trim() };
    });
    const bad = items.find((i) => !i.packageId || !i.program);
    return bad ? `${base}: "${bad.label}" is not "<package ID>:<program name>"` : items;
  }
  const packageId = ctx.variable('PackageID');
  const program = ctx.variable('ProgramName');
  if (!packageId || !program) return 'The step names no package and program (PackageID, ProgramName) and no BaseVariableName';
  return [{ label: `${packageId}:${program}`, packageId, program }];
}

function applicationItems(ctx: ActionContext): InstallItem[] | string {
  const base = ctx.variable('BaseVariableName');
  const names = base ? baseVariableList(ctx, base) : (ctx.variable('ApplicationName') ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  if (names.length === 0 && !base) return 'The step names no application (ApplicationName) and no BaseVariableName';
  return names.map((name) => ({ label: name, program: name }));
}

function installAction(className: string, items: (ctx: ActionContext) => InstallItem[] | string, what: string): ActionModule {
  return {
    stepType: catalogue(className),
    environments: ['FullOS'],
    validate: (ctx) => {
      const list = items(ctx);
      return typeof list === 'string' ? list : undefined;
    },
    run: (ctx) => installAll(ctx, items(ctx) as InstallItem[], what),
  };
}

export const installPackage = installAction('SMS_TaskSequence_InstallSoftwareAction', packageItems, 'software');
export const installApplication = installAction('SMS_TaskSequence_InstallApplicationAction', applicationItems, 'application');
