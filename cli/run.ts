// `osdlab run SCENARIO`: runs a scenario on a backend, shows each machine's progress (a live view on a
// terminal, plain lines in CI: reports/console-progress.ts), a line per machine as it finishes and a summary,
// and leaves the run folder (reports/run-folder.ts). Exit codes: cli/exit-codes.ts.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { parseShard, runScenario, type LabBackend, type MachineProgress } from '../harness/index.js';
import { QemuBackend, TwinBackend } from '../lab/index.js';
import { defaultRunFolder, logTail, progressView, reportData, toJUnit, writeFileAtomic, writeRunFolder } from '../reports/index.js';
import { EnvironmentError, InputError } from '../scenarios/index.js';
import { openRunInput } from './bundle.js';
import { EXIT } from './exit-codes.js';

const BACKENDS = ['twin', 'qemu'] as const;

function backendFor(name: string): LabBackend {
  if (name === 'twin') return new TwinBackend();
  if (name === 'qemu') return new QemuBackend();
  throw new InputError({ path: '--backend', message: `"${name}" is not a backend; allowed: ${BACKENDS.join(', ')}` });
}

/** "2h 03m 10s", "45s", "0.4s": durations on the machine's clock. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [h > 0 ? `${h}h` : '', h > 0 || m > 0 ? `${String(m).padStart(h > 0 ? 2 : 1, '0')}m` : '', `${String(s % 60).padStart(h > 0 || m > 0 ? 2 : 1, '0')}s`];
  return parts.filter(Boolean).join(' ');
}

interface Style {
  pass(s: string): string;
  fail(s: string): string;
}

function style(): Style {
  const colour = process.stdout.isTTY === true && process.env.CI !== 'true' && process.env.NO_COLOR === undefined;
  const paint = (code: number) => (s: string) => (colour ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { pass: paint(32), fail: paint(31) };
}

/** One line per finished machine (or client group), and each expectation that did not hold under it. */
export function progressLines({ result: m, durationMs }: MachineProgress, paint: Style): string[] {
  const held = m.expectations.filter((e) => e.pass).length;
  const verdict = m.pass ? paint.pass('PASS') : paint.fail('FAIL');
  const outcome = m.failedStep ? `${m.outcome} at "${m.failedStep}"` : m.outcome;
  const clients = m.clients ? ` ${m.clients.count} clients,` : '';
  const time = m.clients ? `makespan ${formatDuration(durationMs)}` : formatDuration(durationMs);
  const lines = [`${verdict}  ${m.name}  ${outcome},${clients} ${held}/${m.expectations.length} expectations, ${time} (machine clock)`];
  if (m.error) lines.push(`      lab error: ${m.error}`);
  for (const e of m.expectations.filter((x) => !x.pass)) lines.push(`      ${e.what}: expected ${JSON.stringify(e.expected)}, actual ${JSON.stringify(e.actual)}`);
  return lines;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addRunCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('Run a scenario on a backend and score every machine against its expect: block')
    .argument('<scenario>', 'scenario file (.yaml), or a reproduction bundle (.tar.gz) from `osdlab bundle`')
    .option('--backend <name>', `lab backend: ${BACKENDS.join(' or ')}`, 'twin')
    .option('--out <dir>', 'run folder (default: runs/<YYYYMMDD-HHMMSS>-<scenario name>/)')
    .option('--json <file>', 'also write the result JSON here')
    .option('--junit <file>', 'also write the JUnit XML here')
    .option('--only <machine>', 'run only this machine or client group (exact name, or a glob with * and ?); repeatable', collect)
    .option('--shard <I/N>', 'run the I-th of N shards of the machines (sorted names, round-robin)')
    .addHelpText(
      'after',
      '\nExample:\n  osdlab run scenarios/bare-metal-uefi-gpt-pxe.yaml --out runs/demo\n  osdlab run nightly.yaml --shard 2/4 --junit junit.xml\n\n' +
        'The run folder holds result.json, junit.xml, report.html, machines/<name>/smsts.log, scenario.resolved.json\n' +
        'and run.json (shard, report data); `osdlab report merge` merges the folders of the shards.\n' +
        'Progress: a live view per machine on a terminal, plain lines when not a terminal or with CI=true.\n' +
        'Exit code 0 when every expectation holds, 1 when one does not, 2 for bad input or usage,\n3 when the environment cannot run it.\n',
    )
    .action(async (file: string, opts: { backend: string; out?: string; json?: string; junit?: string; only?: string[]; shard?: string }) => {
      const shard = opts.shard !== undefined ? parseShard(opts.shard) : undefined;
      const backend = backendFor(opts.backend);
      const input = await openRunInput(file, backend.name);
      const scenario = input.scenario;
      const dir = opts.out ?? defaultRunFolder(scenario.name);
      // The QEMU lab's console and site logs (SMSPXE.log, access logs) go into the run folder too.
      if (backend instanceof QemuBackend) backend.keepLogsIn(dir);
      const paint = style();
      const controller = new AbortController();
      const interrupt = () => controller.abort(new EnvironmentError('interrupted (SIGINT); the lab was closed'));
      process.once('SIGINT', interrupt);
      const view = progressView(process.stdout);
      let run;
      try {
        run = await runScenario(scenario, {
          backend,
          ...(opts.only ? { only: opts.only } : {}),
          ...(shard ? { shard } : {}),
          signal: controller.signal,
          onProgress: (p) => view.finished(p.result.name, progressLines(p, paint)),
          onActivity: (a) => view.activity(a),
        });
      } catch (err) {
        if (controller.signal.aborted) throw controller.signal.reason;
        throw err;
      } finally {
        view.close();
        process.off('SIGINT', interrupt);
        await input.close();
      }
      // The scenario as the user named it, as in docs/result-json.md.
      run.result.scenario = file;
      const selection = { ...(shard ? { shard } : {}), ...(opts.only ? { only: opts.only } : {}) };
      await writeRunFolder(dir, { result: run.result, logs: run.logs, skipped: run.skipped, scenario, machines: reportData(run.recordings, scenario.content), selection });
      if (opts.json) await writeFileAtomic(opts.json, `${JSON.stringify(run.result, null, 2)}\n`);
      if (opts.junit) {
        const logTails = Object.fromEntries([...run.logs].map(([name, files]) => [name, logTail(files)]));
        await writeFileAtomic(opts.junit, toJUnit(run.result, { logTails, skipped: run.skipped }));
      }
      const machines = run.result.machines;
      const passed = machines.filter((m) => m.pass).length;
      const verdict = run.result.pass ? paint.pass('PASS') : paint.fail('FAIL');
      const skipped = run.skipped.length > 0 ? `, ${run.skipped.length} left out by --only/--shard` : '';
      process.stdout.write(`\n${verdict}  ${scenario.name}: ${passed} of ${machines.length} passed on the ${backend.name}${skipped}\nresults: ${resolve(dir)}\n`);
      process.stdout.write(input.comparison(run.result));
      if (!run.result.pass) setExit(EXIT.failed);
    });
}
