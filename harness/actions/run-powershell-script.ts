// Run PowerShell Script: a script from a package (or the embedded source) run with an execution policy.
import { catalogue, packageContent, storeOutput } from './common.js';
import type { ActionModule } from './types.js';

export const runPowerShellScript: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_RunPowerShellScriptAction'),
  environments: ['WinPE', 'FullOS'],
  validate(ctx) {
    return ctx.variable('OSDRunPowerShellScriptScriptName') || ctx.variable('OSDRunPowerShellScriptSourceScript')
      ? undefined
      : 'Neither a script name nor a script source is set (OSDRunPowerShellScriptScriptName, OSDRunPowerShellScriptSourceScript)';
  },
  async run(ctx) {
    const policy = ctx.variable('OSDRunPowerShellScriptExecutionPolicy') ?? 'AllSigned';
    const content = await packageContent(ctx, ctx.variable('OSDRunPowerShellScriptPackageID'));
    if (content.failed) return content.failed;
    const script = ctx.variable('OSDRunPowerShellScriptScriptName') ?? 'script.ps1';
    const parameters = ctx.expand(ctx.variable('OSDRunPowerShellScriptParameters') ?? '');
    const commandLine = `PowerShell.exe -NoLogo -NonInteractive -NoProfile -ExecutionPolicy ${policy} -File "${script}"${parameters ? ` ${parameters}` : ''}`;
    ctx.log.info(`Executing command line: ${commandLine}`, 'runpowershellscript.cpp:1031');
    const workingDirectory = ctx.variable('SMSTSRunPowerShellWorkingDirectory');
    const outcome = await ctx.machine.runCommand(
      { commandLine, packageLocation: content.location, workingDirectory: workingDirectory ? ctx.expand(workingDirectory) : undefined, timeoutSeconds: ctx.step.timeoutSeconds, disableWow64Redirection: false },
      ctx.signal,
    );
    ctx.log.info(`Process completed with exit code ${outcome.exitCode}`, 'CommandLine.cpp:1115');
    storeOutput(ctx, ctx.variable('OSDRunPowerShellScriptOutputVariableName'), outcome.output);
    return outcome;
  },
};
