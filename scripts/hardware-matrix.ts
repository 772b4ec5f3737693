// `npm run test:matrix`: runs scenarios/hardware-matrix.yaml (sixteen combinations of firmware,
// architecture, partition style and disk type) on a backend and prints, per combination, the
// verdict the file expects and the one the run gave. Exit 0 when every combination meets it.
//   node --import tsx scripts/hardware-matrix.ts [--backend twin|qemu] [--only 'PC[bios,x64,*'] …
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runScenario, type MachineResult } from '../harness/index.js';
import { QemuBackend, TwinBackend } from '../lab/index.js';
import { loadScenario, type Scenario } from '../scenarios/index.js';

export const HARDWARE_MATRIX = fileURLToPath(new URL('../scenarios/hardware-matrix.yaml', import.meta.url));

export interface MatrixRow {
  combination: string;
  expected: string;
  actual: string;
  pass: boolean;
}

/** "success" or `failed at "<step>"`, the words `osdlab run` prints. */
function verdict(outcome: string | undefined, failedStep: string | undefined): string {
  return outcome === 'failed' && failedStep ? `failed at "${failedStep}"` : (outcome ?? '(not given)');
}

export function matrixRows(scenario: Scenario, machines: MachineResult[]): MatrixRow[] {
  return machines.map((m) => {
    const expect = scenario.machines.find((s) => s.name === m.name)?.expect;
    const actual = m.outcome === 'error' ? `error: ${m.error ?? ''}` : verdict(m.outcome, m.failedStep);
    return { combination: m.name, expected: verdict(expect?.outcome, expect?.failedStep), actual, pass: m.pass };
  });
}

export function formatTable(rows: MatrixRow[]): string {
  const header: MatrixRow = { combination: 'combination', expected: 'expected', actual: 'actual', pass: true };
  const all = [header, ...rows];
  const w = (k: 'combination' | 'expected') => Math.max(...all.map((r) => r[k].length));
  const line = (r: MatrixRow, mark: string) => `${mark}  ${r.combination.padEnd(w('combination'))}  ${r.expected.padEnd(w('expected'))}  ${r.actual}`;
  return [line(header, '    '), ...rows.map((r) => line(r, r.pass ? 'PASS' : 'FAIL'))].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { backend: { type: 'string', default: 'qemu' }, only: { type: 'string', multiple: true } } });
  if (values.backend !== 'twin' && values.backend !== 'qemu') {
    process.stderr.write(`--backend: found "${values.backend}"; allowed: twin, qemu\n`);
    return 2;
  }
  const scenario = await loadScenario(HARDWARE_MATRIX);
  const backend = values.backend === 'qemu' ? new QemuBackend() : new TwinBackend();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted (SIGINT)')));
  const run = await runScenario(scenario, {
    backend,
    ...(values.only ? { only: values.only } : {}),
    signal: controller.signal,
    onProgress: (p) => process.stdout.write(`${p.result.pass ? 'PASS' : 'FAIL'}  ${p.result.name}  ${verdict(p.result.outcome, p.result.failedStep)}\n`),
  });
  const rows = matrixRows(scenario, run.result.machines).sort((a, b) => a.combination.localeCompare(b.combination));
  const passed = rows.filter((r) => r.pass).length;
  process.stdout.write(`\n${formatTable(rows)}\n\n${passed} of ${rows.length} combinations meet their verdict on the ${values.backend}\n`);
  return passed === rows.length ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main();
