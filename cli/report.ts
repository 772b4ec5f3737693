// `osdlab report merge DIR... --out DIR`: the run folders of a scenario's shards made into one run folder.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { mergeRunFolders } from '../reports/index.js';
import { EXIT } from './exit-codes.js';

export function addReportCommand(program: Command, setExit: (code: number) => void): void {
  const report = program
    .command('report')
    .description('Work with run folders: merge the shards of a run')
    .addHelpText('after', '\nExample:\n  osdlab report merge shards/1 shards/2 shards/3 shards/4 --out merged\n');
  report
    .command('merge')
    .description('Merge the run folders of the shards of one scenario (osdlab run --shard I/N) into one run folder')
    .argument('<dir...>', 'run folders, one per shard')
    .requiredOption('--out <dir>', 'run folder to write: result.json, junit.xml, report.html, machines/, run.json')
    .addHelpText(
      'after',
      '\nExample:\n  osdlab report merge shards/1 shards/2 shards/3 shards/4 --out merged\n\n' +
        'Refuses (exit 2) folders of different scenarios or backends, the same shard twice, a missing shard,\n' +
        'and a machine that ran in two folders. Exit code 0 when every machine of the merged run passed,\n1 when one did not.\n',
    )
    .action(async (dirs: string[], opts: { out: string }) => {
      const merged = await mergeRunFolders(dirs, opts.out);
      const machines = merged.result.machines;
      const passed = machines.filter((m) => m.pass).length;
      const skipped = merged.skipped.length > 0 ? `, ${merged.skipped.length} left out by --only` : '';
      process.stdout.write(`${merged.result.pass ? 'PASS' : 'FAIL'}  ${dirs.length} run folders merged: ${passed} of ${machines.length} passed${skipped}\nresults: ${resolve(opts.out)}\n`);
      if (!merged.result.pass) setExit(EXIT.failed);
    });
}
