// Run Command Line (osd-behaviours §2.24): %VAR% expansion, optional package, Start In, output variable.
import { catalogue, flag, packageContent, storeOutput } from './common.js';
import type { ActionModule } from './types.js';

export const runCommandLine: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_RunCommandLineAction'),
  environments: ['WinPE', 'FullOS'],
  async run(ctx) {
    // The console keeps the command in CommandLine; YAML and MDT write it only in <action>.
    const written = ctx.variable('CommandLine') ?? ctx.step.action.replace(/^smsswd\.exe\s+\/run:\S*\s?/i, '');
    const commandLine = ctx.expand(written);
    const content = await packageContent(ctx, ctx.variable('PackageID'));
    if (content.failed) return content.failed;
    const workingDirectory = ctx.variable('WorkingDirectory');
    ctx.log.info(`Start executing the command line: ${commandLine}`, 'instruction.cxx:732');
    const outcome = await ctx.machine.runCommand(
      {
        commandLine,
        workingDirectory: workingDirectory ? ctx.expand(workingDirectory) : undefined,
        packageLocation: content.location,
        timeoutSeconds: ctx.step.timeoutSeconds,
        disableWow64Redirection: flag(ctx.variable('SMSTSDisableWow64Redirection')),
      },
      ctx.signal,
    );
    ctx.log.info(`Process completed with exit code ${outcome.exitCode}`, 'CommandLine.cpp:1115');
    storeOutput(ctx, ctx.variable('SMSTSRunCommandLineOutputVariableName'), outcome.output);
    return outcome;
  },
};
