// `osdlab bundle RUN_DIR`: packs a run folder into a reproduction bundle (reports/bundle.ts); and the
// helper `osdlab run` uses to take either a scenario file or such a bundle.
import type { Command } from 'commander';
import { relative } from 'node:path';
import type { RunResult } from '../harness/index.js';
import { createBundle, isBundleFile, openBundle, verdictChanges } from '../reports/index.js';
import { EnvironmentError, loadScenario, type Scenario } from '../scenarios/index.js';

export function addBundleCommand(program: Command): void {
  program
    .command('bundle')
    .description('Pack a run folder into one reproduction bundle (.tar.gz) that `osdlab run BUNDLE` re-runs on another machine')
    .argument('<run-dir>', 'run folder left by `osdlab run` (holds result.json and scenario.resolved.json)')
    .option('--out <file>', 'bundle file (default: <run-dir>.tar.gz)')
    .option('--with-disks', 'also pack disk images found in the run folder (*.qcow2, *.img, *.raw, *.vhd, *.vhdx)')
    .addHelpText(
      'after',
      '\nExample:\n  osdlab run scenarios/failing-uefi-mbr-no-esp.yaml --out runs/field-42\n  osdlab bundle runs/field-42 --out field-42.tar.gz\n  osdlab run field-42.tar.gz --out runs/field-42-again\n\n' +
        'The bundle holds the results, logs and report of the run, the resolved scenario, the task sequences\nand content sources it read, and a manifest with a SHA-256 per file. Exit code 0, or 2 for bad input.\n',
    )
    .action(async (runDir: string, opts: { out?: string; withDisks?: boolean }) => {
      // Packing disk images and WIMs takes a while: Ctrl+C stops it and leaves no partial bundle.
      const controller = new AbortController();
      const interrupt = () => controller.abort(new EnvironmentError('interrupted (SIGINT); no bundle was written'));
      process.once('SIGINT', interrupt);
      let written;
      try {
        written = await createBundle(runDir, { ...(opts.out ? { out: opts.out } : {}), withDisks: opts.withDisks === true, signal: controller.signal });
      } catch (err) {
        if (controller.signal.aborted) throw controller.signal.reason;
        throw err;
      } finally {
        process.off('SIGINT', interrupt);
      }
      const { file, manifest } = written;
      const bytes = manifest.files.reduce((n, f) => n + f.size, 0);
      process.stdout.write(`bundle ${relative(process.cwd(), file) || file}: ${manifest.scenario} on the ${manifest.backend}, ${Object.keys(manifest.verdicts).length} machines, ${manifest.files.length} files (${bytes} bytes before compression)\n`);
    });
}

export interface RunInput {
  scenario: Scenario;
  /** Removes what opening the input created (a bundle's temporary folder). */
  close(): Promise<void>;
  /** After the run: how its verdicts compare with the bundle's (nothing for a scenario file). */
  comparison(result: RunResult): string;
}

/** A scenario file, or a reproduction bundle (told apart by content), ready for runScenario on `backend`. */
export async function openRunInput(file: string, backend: string, signal?: AbortSignal): Promise<RunInput> {
  if (!(await isBundleFile(file))) return { scenario: await loadScenario(file), close: async () => {}, comparison: () => '' };
  const bundle = await openBundle(file, { ...(signal ? { signal } : {}) });
  process.stdout.write(`bundle ${file}: ${bundle.manifest.scenario}, made ${bundle.manifest.created} by osdlab ${bundle.manifest.osdlabVersion} on the ${bundle.manifest.backend}; every file matches its manifest\n`);
  if (bundle.manifest.backend !== backend) process.stdout.write(`note: running on the ${backend}; --backend ${bundle.manifest.backend} re-runs it where it was made\n`);
  const comparison = (result: RunResult) => {
    const changes = verdictChanges(bundle.manifest.verdicts, result);
    if (changes.length === 0) return `verdicts: the same as in the bundle for all ${result.machines.length} machines\n`;
    return `verdicts: ${changes.length} differ from the bundle\n${changes.map((c) => `  ${c}\n`).join('')}`;
  };
  return { scenario: bundle.scenario, close: bundle.close, comparison };
}
