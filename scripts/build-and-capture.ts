// `npm run test:build-and-capture`: scenarios/build-and-capture.yaml on the twin and on the QEMU lab
// (≈10 min under TCG on 2 shared cores, too long for `npm test`): REF01 is built, generalized and
// captured to a real WIM; PC01 starts once the capture is done and deploys it. Prints each machine's
// verdict and expectations per backend. Exit 0 when every expectation held on both and the two
// backends gave the same verdict per machine.
//   node --import tsx scripts/build-and-capture.ts
import { fileURLToPath } from 'node:url';
import { runScenario, type MachineResult } from '../harness/index.js';
import { QemuBackend, TwinBackend } from '../lab/index.js';
import { loadScenario } from '../scenarios/index.js';

const SCENARIO = fileURLToPath(new URL('../scenarios/build-and-capture.yaml', import.meta.url));

const verdict = (m: MachineResult) => (m.outcome === 'failed' && m.failedStep ? `failed at "${m.failedStep}"` : m.outcome);

async function main(): Promise<number> {
  const scenario = await loadScenario(SCENARIO);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted (SIGINT)')));
  const verdicts = new Map<string, string[]>();
  let pass = true;
  for (const backend of [new TwinBackend(), new QemuBackend()]) {
    const started = Date.now();
    const { result } = await runScenario(scenario, { backend, signal: controller.signal });
    process.stdout.write(`${backend.name} (${Math.round((Date.now() - started) / 1000)} s wall):\n`);
    for (const m of result.machines) {
      const held = m.expectations.filter((e) => e.pass).length;
      process.stdout.write(`  ${m.pass ? 'PASS' : 'FAIL'}  ${m.name}  ${verdict(m)}, ${held}/${m.expectations.length} expectations\n`);
      for (const e of m.expectations.filter((x) => !x.pass)) process.stdout.write(`        ${e.what}: expected ${JSON.stringify(e.expected)}, actual ${JSON.stringify(e.actual)}\n`);
      verdicts.set(m.name, [...(verdicts.get(m.name) ?? []), verdict(m)]);
      pass &&= m.pass;
    }
  }
  const differing = [...verdicts].filter(([, v]) => new Set(v).size > 1);
  for (const [name, [twin, qemu]] of differing) process.stdout.write(`verdicts differ for ${name}: twin ${twin}, qemu ${qemu}\n`);
  return pass && differing.length === 0 ? 0 : 1;
}

process.exitCode = await main();
