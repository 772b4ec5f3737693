// `osdlab plan SCENARIO`: a capacity plan on the twin — completion-time distribution, per-phase
// times, link and distribution-point utilisation, cache failures — once, or once per point of a
// --sweep. Prints a summary and writes plan.json, plan.csv and report.html (docs/capacity-planning.md).
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import type { RunResult } from '../harness/index.js';
import { DEFAULT_SAMPLE_INTERVAL_MS, parseSweep, planCapacity, planCsv, planReport, type PlanDocument, type PlanPointUtilisation, type PlanRow } from '../lab/index.js';
import { defaultRunFolder, renderHtmlReport, writeFileAtomic } from '../reports/index.js';
import { EnvironmentError, InputError, loadScenario, parseDuration } from '../scenarios/index.js';
import { formatDuration } from './run.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function seedOf(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new InputError({ path: '--seed', message: `"${text}" is not allowed; a whole number 0–4294967295 is` });
  return Number(text);
}

function durationOf(option: string, text: string, positive: boolean): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new InputError({ path: option, message: parsed.message });
  if (positive && parsed.value <= 0) throw new InputError({ path: option, message: `"${text}" is not allowed; a duration greater than zero is` });
  return parsed.value;
}

const seconds = (s: number) => (Number.isFinite(s) ? formatDuration(s * 1000) : '—');
const percent = (x: number) => `${Math.round(x * 100)}%`;
const pad = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [pad(header, widths), ...rows.map((r) => pad(r, widths))].map((l) => `  ${l}`);
}

function outcomesText(r: PlanRow): string {
  const parts = Object.entries(r.outcomes).map(([o, n]) => `${n} ${o}`);
  if (r.unfinished > 0) parts.push(`${r.unfinished} still waiting at the end`);
  return parts.join(', ');
}

/** What the terminal shows of a plan. */
export function planSummary(doc: PlanDocument): string[] {
  const lines = [`Capacity plan: ${doc.name} (twin, seed ${doc.seed}${doc.arrivalJitterSeconds > 0 ? `, arrival jitter ${seconds(doc.arrivalJitterSeconds)}` : ''})`];
  const sweep = doc.report.sweep;
  if (sweep) {
    lines.push('', `sweep over ${sweep.parameters.join(' × ')}: ${doc.rows.length} runs; completion times from the start of each run`);
    const header = [...sweep.parameters, 'clients', 'p50', 'p90', 'p99', 'max', 'failed', 'cache failures', 'peak link'];
    const rows = doc.rows.map((r) => [
      ...sweep.parameters.map((p) => String(r.parameters[p])),
      String(r.clients),
      seconds(r.p50),
      seconds(r.p90),
      seconds(r.p99),
      seconds(r.max),
      String((r.outcomes.failed ?? 0) + (r.outcomes.error ?? 0) + r.unfinished),
      String(r.cacheFailures),
      percent(r.peakLinkUtilisation),
    ]);
    return [...lines, ...table(header, rows)];
  }
  const r = doc.rows[0]!;
  lines.push('', `clients: ${r.clients} (${outcomesText(r)})`);
  lines.push(`completion from the start: p50 ${seconds(r.p50)}, p90 ${seconds(r.p90)}, p99 ${seconds(r.p99)}, max ${seconds(r.max)}`);
  lines.push('', 'per-phase time per client (machine clock):');
  lines.push(...table(['phase', 'clients', 'p50', 'p90', 'p99', 'max', 'mean'], r.phases.map((p) => [p.phase, String(p.count), seconds(p.p50), seconds(p.p90), seconds(p.p99), seconds(p.max), seconds(p.mean)])));
  const series = [...(doc.report.links ?? []), ...(doc.report.distributionPoints ?? [])];
  lines.push('', `utilisation (averages over ${seconds(doc.sampleIntervalSeconds)} intervals; multicast streams not included):`);
  if (series.length === 0) lines.push('  no shared link or distribution point carried unicast traffic');
  const mean = (pts: { utilisation: number }[]) => (pts.length > 0 ? pts.reduce((a, p) => a + p.utilisation, 0) / pts.length : 0);
  lines.push(
    ...table(
      ['link / DP', 'capacity', 'peak', 'mean'],
      series.map((s) => [s.name, `${(s.capacityBitsPerSecond ?? 0) / 1e6} Mbit/s`, percent(Math.max(0, ...s.points.map((p) => p.utilisation))), percent(mean(s.points))]),
    ),
  );
  lines.push('', `cache failures: ${r.cacheFailures}`);
  for (const f of doc.cacheFailures.slice(0, 5)) lines.push(`  ${f.machine} ${f.packageId} at ${seconds(f.atSeconds)}: ${f.message}`);
  return lines;
}

/** The report's header of a plan: no machines of its own; a pass when every client of every run succeeded. */
function planResult(doc: PlanDocument, startedAt: string, finishedAt: string): RunResult {
  const pass = doc.rows.every((r) => !r.outcomes.failed && !r.outcomes.error && r.unfinished === 0);
  return { pass, scenario: doc.scenario, backend: 'twin', startedAt, finishedAt, machines: [] };
}

export function addPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('Capacity plan on the twin: completion times, per-phase times, utilisation, cache failures; optionally a sweep')
    .argument('<scenario>', 'scenario file (.yaml) with a clients: block')
    .option('--out <dir>', 'folder for plan.json, plan.csv and report.html (default: runs/<YYYYMMDD-HHMMSS>-<scenario name>-plan/)')
    .option('--seed <n>', 'seed of the twin\'s random numbers (arrival jitter)', '1')
    .option('--sweep <param=values>', 'vary a parameter: clients, multicast, linkBandwidth, tftpBlockSize, tftpWindowSize, cacheSize; values a,b,c or from..to[:step]; repeatable (cartesian product)', collect)
    .option('--jitter <duration>', 'each client powers on up to this much later than its arrival pattern says (random, from the seed)', '0s')
    .option('--sample <duration>', 'utilisation sampling interval (virtual time)', `${DEFAULT_SAMPLE_INTERVAL_MS / 1000}s`)
    .addHelpText(
      'after',
      '\nExamples:\n  osdlab plan scenarios/branch-office-500-clients.yaml --out runs/branch\n' +
        '  osdlab plan scenarios/branch-office-500-clients.yaml --sweep clients=100..500:100 --sweep multicast=on,off\n\n' +
        'Same scenario, options and seed: byte-identical plan.json; report.html charts the plan.\nExit code 0, 2 for bad input or usage, 3 when the twin cannot run it.\n',
    )
    .action(async (file: string, opts: { out?: string; seed: string; sweep?: string[]; jitter: string; sample: string }) => {
      const seed = seedOf(opts.seed);
      const axes = (opts.sweep ?? []).map(parseSweep);
      const arrivalJitterMs = durationOf('--jitter', opts.jitter, false);
      const sampleIntervalMs = durationOf('--sample', opts.sample, true);
      const scenario = await loadScenario(file);
      const controller = new AbortController();
      const interrupt = () => controller.abort(new EnvironmentError('interrupted (SIGINT); nothing was written'));
      process.once('SIGINT', interrupt);
      let doc: PlanDocument;
      const startedAt = new Date().toISOString();
      const utilisation: PlanPointUtilisation[] = [];
      try {
        doc = await planCapacity(scenario, axes, {
          seed,
          arrivalJitterMs,
          sampleIntervalMs,
          scenarioName: file,
          signal: controller.signal,
          onRun: (point, run, i, total) => {
            utilisation.push({ point, utilisation: run.utilisation });
            if (total > 1) process.stdout.write(`run ${i + 1}/${total} ${Object.entries(point).map(([k, v]) => `${k}=${v}`).join(' ')}: p90 ${seconds(run.completion.p90)}\n`);
          },
        });
      } catch (err) {
        if (controller.signal.aborted) throw controller.signal.reason;
        throw err;
      } finally {
        process.off('SIGINT', interrupt);
      }
      const dir = opts.out ?? defaultRunFolder(`${scenario.name}-plan`);
      await writeFileAtomic(join(dir, 'plan.json'), `${JSON.stringify(doc, null, 2)}\n`);
      await writeFileAtomic(join(dir, 'plan.csv'), planCsv(doc));
      const capacity = planReport(doc, utilisation);
      await writeFileAtomic(join(dir, 'report.html'), renderHtmlReport({ result: planResult(doc, startedAt, new Date().toISOString()), capacity, title: doc.name }));
      const files = ['plan.json', 'plan.csv', 'report.html'].map((f) => resolve(dir, f));
      process.stdout.write(`${planSummary(doc).join('\n')}\n\nplan: ${files.join('\n      ')}\n`);
    });
}
