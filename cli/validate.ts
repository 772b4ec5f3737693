import type { Command } from 'commander';
import { InputError, formatProblem, loadScenario } from '../scenarios/index.js';
import { importScenarioSequences } from '../harness/index.js';
import { EXIT } from './exit-codes.js';

/** `osdlab validate SCENARIO...`: checks each file and reports every problem with its position. */
export function addValidateCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('Check scenario files: YAML syntax, schema, references, matrix axes, and the deployed task sequences (import and pre-flight checks)')
    .argument('<scenario...>', 'scenario files (.yaml)')
    .addHelpText(
      'after',
      '\nExample:\n  osdlab validate scenarios/*.yaml\n\nPrints "ok  FILE (N machines)" per valid file, or each problem as\n"FILE:LINE:COL PATH: MESSAGE". Exit code 0 when all are valid, 2 otherwise.\n',
    )
    .action(async (files: string[]) => {
      for (const file of files) {
        try {
          const scenario = await loadScenario(file);
          // The deployments' task sequences too: import errors and ConfigMgr's pre-flight refusals fail validation;
          // other findings are what `osdlab ts lint` reports, shown as notes.
          const { findings } = await importScenarioSequences(scenario);
          for (const { deployment, issue } of findings) {
            const where = { file: issue.location?.file ?? file, line: issue.location?.line, column: issue.location?.column };
            process.stderr.write(`${formatProblem({ ...where, path: `deployments "${deployment}"${issue.name ? ` step "${issue.name}"` : ''}`, message: `${issue.severity} (${issue.rule}): ${issue.message}` })}\n`);
          }
          const clients = scenario.clients.reduce((n, g) => n + g.count, 0);
          process.stdout.write(`ok  ${file} (${scenario.machines.length} machine${scenario.machines.length === 1 ? '' : 's'}${clients ? `, ${clients} clients` : ''})\n`);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          process.stderr.write(`${err.message}\n`);
          setExit(EXIT.badInput);
        }
      }
    });
}
