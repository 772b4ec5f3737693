// `osdlab diff RUN_A RUN_B`: per machine, the steps whose status changed or whose duration changed beyond a
// threshold between two runs (reports/diff.ts). Exit code 1 when something broke, for nightly regression jobs.
import type { Command } from 'commander';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../harness/index.js';
import { diffRuns, formatRunDiff, parseThreshold } from '../reports/index.js';
import { InputError } from '../scenarios/index.js';
import { EXIT } from './exit-codes.js';

/** A run folder (its result.json) or a result JSON file. */
async function readResult(path: string): Promise<RunResult> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InputError({ path, message: 'does not exist; give a run folder or its result.json' });
  const file = info.isDirectory() ? join(path, 'result.json') : path;
  const text = await readFile(file, 'utf8').catch(() => {
    throw new InputError({ path, message: 'has no result.json; give a run folder of osdlab run or a result JSON file' });
  });
  try {
    const result = JSON.parse(text) as RunResult;
    if (!Array.isArray(result.machines)) throw new Error('no "machines" list');
    return result;
  } catch (err) {
    throw new InputError({ path: file, message: `is not a result JSON (docs/result-json.md): ${(err as Error).message}` });
  }
}

export function addDiffCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('diff')
    .description('Compare two runs: per machine, steps that changed status or duration beyond a threshold')
    .argument('<run-a>', 'the earlier run: a run folder or a result JSON file')
    .argument('<run-b>', 'the later run')
    .option('--threshold <pct|duration>', 'report a duration change beyond this: a share of the earlier duration (20%) or a time (30s)', '10%')
    .option('--json', 'print the comparison as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  osdlab diff runs/nightly-1122 runs/nightly-1123 --threshold 20%\n  osdlab diff a/result.json b/result.json --threshold 30s --json\n\n' +
        'With a percentage, changes under 1 s are ignored. Exit code 0 when nothing broke, 1 when a machine\n' +
        'that passed in RUN_A fails in RUN_B or a step that succeeded fails, 2 for bad input.\n',
    )
    .action(async (a: string, b: string, opts: { threshold: string; json?: boolean }) => {
      const threshold = parseThreshold(opts.threshold);
      const diff = diffRuns(await readResult(a), await readResult(b), threshold);
      process.stdout.write(opts.json ? `${JSON.stringify(diff, null, 2)}\n` : `${formatRunDiff(diff).join('\n')}\n`);
      if (diff.broke) setExit(EXIT.failed);
    });
}
