// Golden file for the result JSON (docs/result-json.md) of a twin run of a shipped example: the contract CI
// pipelines read. Wall-clock times are the only thing that varies between runs: startedAt/finishedAt are
// replaced, and step times become offsets from the machine's first step (the twin's clock starts at the
// wall-clock second the lab opened). UPDATE_GOLDEN=1 rewrites the file after an intended change.
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runScenario, type RunResult } from '../../harness/index.js';
import { TwinBackend } from '../../lab/index.js';
import { loadScenario } from '../../scenarios/index.js';

const GOLDEN = new URL('./golden/bare-metal-uefi-gpt-pxe.result.json', import.meta.url);
const SCENARIO = fileURLToPath(new URL('../../scenarios/bare-metal-uefi-gpt-pxe.yaml', import.meta.url));

/** The result with wall-clock times made stable: step times as "+<seconds>s" from the machine's first step. */
function stable(result: RunResult): RunResult {
  return {
    ...result,
    startedAt: '(wall clock)',
    finishedAt: '(wall clock)',
    machines: result.machines.map((m) => {
      const origin = Math.min(...m.steps.flatMap((s) => (s.start ? [Date.parse(s.start)] : [])));
      const offset = (iso: string | undefined) => (iso === undefined ? undefined : `+${((Date.parse(iso) - origin) / 1000).toFixed(3)}s`);
      return { ...m, steps: m.steps.map((s) => ({ ...s, ...(s.start ? { start: offset(s.start) } : {}), ...(s.end ? { end: offset(s.end) } : {}) })) };
    }),
  };
}

describe('result JSON golden file', function () {
  this.timeout(60_000);

  it('a twin run of bare-metal-uefi-gpt-pxe.yaml gives the golden result JSON', async () => {
    const run = await runScenario(await loadScenario(SCENARIO), { backend: new TwinBackend() });
    run.result.scenario = 'scenarios/bare-metal-uefi-gpt-pxe.yaml';
    const json = `${JSON.stringify(stable(run.result), null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN) await writeFile(GOLDEN, json);
    expect(json).to.equal(await readFile(GOLDEN, 'utf8'));
    // The golden file keeps the contract's shape: the fields docs/result-json.md names.
    const golden = JSON.parse(json) as RunResult;
    expect(Object.keys(golden)).to.deep.equal(['pass', 'scenario', 'backend', 'startedAt', 'finishedAt', 'machines']);
    expect(golden.machines[0]!.steps[0]).to.have.keys(['path', 'name', 'type', 'kind', 'status', 'start', 'end']);
  });
});
