import { Command, CommanderError } from 'commander';
import { InputError, EnvironmentError } from '../scenarios/index.js';
import { EXIT } from './exit-codes.js';
import { addDoctorCommand } from './doctor.js';
import { addDriversCommand } from './drivers.js';
import { addValidateCommand } from './validate.js';
import { addRunCommand } from './run.js';
import { addPlanCommand } from './plan.js';
import { addTsCommand } from './ts.js';
import { addTsRunCommand } from './ts-run.js';
import { addWimCommand, addImageCommand } from './wim.js';
import { addReportCommand } from './report.js';
import { addDiffCommand } from './diff.js';
import { addBundleCommand } from './bundle.js';
import { addReproCommand } from './repro.js';
import { addConsoleCommand } from './console.js';

/** Each command module adds its subcommand; this file only wires them and maps errors to exit codes. */
type CommandModule = (program: Command, setExit: (code: number) => void) => void;

const commands: CommandModule[] = [addDoctorCommand, addValidateCommand, addRunCommand, addPlanCommand, addTsCommand, addTsRunCommand, addWimCommand, addImageCommand, addDriversCommand, addReportCommand, addDiffCommand, addBundleCommand, addReproCommand, addConsoleCommand];

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('osdlab')
    .description('Hardware-in-the-loop test lab and deployment simulator for ConfigMgr/MDT OS deployment')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText('after', '\nExample:\n  osdlab run scenarios/bare-metal-uefi-gpt-pxe.yaml --backend twin --json result.json\n');
  for (const add of commands) add(program, (code) => (exitCode = Math.max(exitCode, code)));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version exit "successfully" through the same path.
    if (err.exitCode === 0) return EXIT.ok;
    return EXIT.badInput;
  }
  if (err instanceof InputError) {
    process.stderr.write(`${err.message}\n`);
    return EXIT.badInput;
  }
  if (err instanceof EnvironmentError) {
    process.stderr.write(`osdlab: ${err.message}\n`);
    return EXIT.environment;
  }
  process.stderr.write(`osdlab: internal error (please report it with this trace)\n${err instanceof Error ? err.stack : String(err)}\n`);
  return EXIT.internal;
}
