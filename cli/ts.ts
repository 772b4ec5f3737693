// `osdlab ts …`: commands on one task sequence file (ConfigMgr export .zip, object.xml, bare
// <sequence> XML, MDT ts.xml or osdlab YAML). Other modules add subcommands through tsGroup().
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { importTaskSequenceFile, lintScenarioFor, lintTaskSequence, renderTaskSequence, showTaskSequence, type LintIssue, type LintScenario } from '../harness/index.js';
import { formatProblem, loadScenario } from '../scenarios/index.js';
import { EXIT } from './exit-codes.js';

/** The `ts` command group, created on first use, so `ts run` and others can be added in any order. */
export function tsGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'ts') ??
    program
      .command('ts')
      .description('Inspect task sequences: show the tree, lint it (and dry-run it with "ts run")')
      .addHelpText('after', '\nExamples:\n  osdlab ts show Export.zip\n  osdlab ts lint ts.xml --scenario scenarios/bare-metal-uefi-gpt-pxe.yaml\n')
  );
}

const print = (text: string) => process.stdout.write(text);

/** The scenario's view for lint: the deployments whose task sequence is this file. */
async function scenarioFacts(scenarioFile: string, tsFile: string): Promise<LintScenario> {
  const scenario = await loadScenario(scenarioFile);
  const target = resolve(tsFile);
  return lintScenarioFor(scenario, scenario.deployments.filter((d) => d.taskSequence.kind === 'file' && resolve(d.taskSequence.file) === target));
}

function formatIssue(i: LintIssue): string {
  const where = formatProblem({
    file: i.location?.file,
    line: i.location?.line,
    column: i.location?.column,
    path: i.path !== undefined ? `${i.path}${i.name !== undefined ? ` "${i.name}"` : ''}` : undefined,
    message: `${i.severity} [${i.rule}] ${i.message}`,
  });
  return `${where}\n`;
}

export function addTsCommand(program: Command, setExit: (code: number) => void): void {
  const ts = tsGroup(program);
  ts.command('show')
    .description('Print the task sequence as a tree: groups, steps, conditions, run environment, disabled and continue-on-error marks')
    .argument('<file>', 'task sequence: export .zip, object.xml, <sequence> XML, MDT ts.xml or .yaml')
    .option('--json', 'print the tree as JSON')
    .option('--package-id <id>', 'which task sequence of a multi-sequence export')
    .addHelpText('after', '\nExample:\n  osdlab ts show OSDCloudTaskSequence.zip\n\nExit code 0, or 2 when the file cannot be read as a task sequence.\n')
    .action(async (file: string, opts: { json?: boolean; packageId?: string }) => {
      const view = showTaskSequence(await importTaskSequenceFile(file, { packageId: opts.packageId }));
      print(opts.json ? `${JSON.stringify(view, null, 2)}\n` : renderTaskSequence(view));
    });
  ts.command('lint')
    .description('Check a task sequence before running it: unknown step types, malformed conditions, steps in the wrong environment, cache repartitioned, variable names, unreachable steps, content missing from the scenario')
    .argument('<file>', 'task sequence: export .zip, object.xml, <sequence> XML, MDT ts.xml or .yaml')
    .option('--scenario <file>', 'also check package references and download options against this scenario')
    .option('--json', 'print the findings as JSON')
    .option('--package-id <id>', 'which task sequence of a multi-sequence export')
    .addHelpText('after', '\nExample:\n  osdlab ts lint ts.xml --scenario scenarios/bare-metal-uefi-gpt-pxe.yaml\n\nExit code 0 when there are no errors (warnings alone pass), 1 when there are errors, 2 when the input cannot be read.\n')
    .action(async (file: string, opts: { json?: boolean; scenario?: string; packageId?: string }) => {
      const sequence = await importTaskSequenceFile(file, { packageId: opts.packageId });
      const scenario = opts.scenario ? await scenarioFacts(opts.scenario, file) : undefined;
      const issues = lintTaskSequence(sequence, scenario);
      const errors = issues.filter((i) => i.severity === 'error').length;
      const warnings = issues.length - errors;
      if (opts.json) print(`${JSON.stringify({ file, errors, warnings, issues }, null, 2)}\n`);
      else print(`${issues.map(formatIssue).join('')}${file}: ${errors} error(s), ${warnings} warning(s)\n`);
      if (errors > 0) setExit(EXIT.failed);
    });
}
