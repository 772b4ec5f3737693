// The fleet examples (examples/ci/): a Kubernetes Indexed Job and a GitHub Actions matrix workflow. The test
// parses both YAML files, expands each osdlab command as the shell would for every shard (bash, with osdlab
// replaced by a function that prints its arguments), and runs the CLI's own argument parser on the result: every
// command must be a valid `osdlab run … --shard I/N` or `osdlab report merge …`, the shards must cover 1…N, and
// the merge must list exactly the shards' folders.
import { expect } from 'chai';
import { Command } from 'commander';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse } from 'yaml';
import { parseShard, type Shard } from '../../harness/index.js';
import { addReportCommand } from '../report.js';
import { addRunCommand } from '../run.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/ci/', import.meta.url));

type Invocation = { command: 'run'; scenario: string; shard?: Shard; out?: string } | { command: 'merge'; dirs: string[]; out: string };

/** The arguments of every osdlab call in `script`, after bash expanded it with `env`. */
async function osdlabCalls(script: string, env: Record<string, string>): Promise<string[][]> {
  const prelude = `osdlab() { printf '%s\\0' "$@"; printf '\\1'; }\nnpx() { "$@"; }\n`;
  const r = await execa('bash', ['-c', prelude + script], { env, extendEnv: false });
  return r.stdout.split('\u0001').filter((c) => c.length > 0).map((c) => c.split('\u0000').slice(0, -1));
}

/** Runs osdlab's argument parser (the real run and report commands) without running anything. */
async function parseOsdlab(args: string[]): Promise<Invocation> {
  const program = new Command('osdlab').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  addRunCommand(program, () => {});
  addReportCommand(program, () => {});
  let found: Invocation | undefined;
  const run = program.commands.find((c) => c.name() === 'run')!;
  run.action((scenario: string, opts: { shard?: string; out?: string }) => {
    found = { command: 'run', scenario, ...(opts.shard ? { shard: parseShard(opts.shard) } : {}), ...(opts.out ? { out: opts.out } : {}) };
  });
  const merge = program.commands.find((c) => c.name() === 'report')!.commands.find((c) => c.name() === 'merge')!;
  merge.action((dirs: string[], opts: { out: string }) => {
    found = { command: 'merge', dirs, out: opts.out };
  });
  await program.parseAsync(args, { from: 'user' });
  if (!found) throw new Error(`no osdlab command in ${args.join(' ')}`);
  return found;
}

/** What a fleet example runs: the shard invocations (one per index) and the merge. */
function checkFleet(shards: Invocation[], merges: Invocation[], count: number): void {
  expect(shards).to.have.length(count);
  const runs = shards.map((s) => {
    expect(s.command).to.equal('run');
    return s as Extract<Invocation, { command: 'run' }>;
  });
  expect(runs.map((r) => r.shard)).to.deep.equal(Array.from({ length: count }, (_, k) => ({ index: k + 1, count })));
  expect(new Set(runs.map((r) => r.scenario)).size).to.equal(1);
  expect(existsSync(`${ROOT}${runs[0]!.scenario}`), `${runs[0]!.scenario} exists in the repository`).to.equal(true);
  expect(merges).to.have.length(1);
  const merge = merges[0] as Extract<Invocation, { command: 'merge' }>;
  expect(merge.command).to.equal('merge');
  expect([...merge.dirs].sort()).to.deep.equal(runs.map((r) => r.out!).sort());
  expect(runs.map((r) => r.out)).not.to.include(merge.out);
}

describe('CI fleet examples (examples/ci)', () => {
  it('the Kubernetes Indexed Job runs shard JOB_COMPLETION_INDEX+1 of N, and the merge Job merges all N', async () => {
    const docs = parseAllDocuments(await readFile(`${EXAMPLES}kubernetes-indexed-job.yaml`, 'utf8')).map((d) => {
      expect(d.errors).to.deep.equal([]);
      return d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> & { template: { spec: { containers: { command: string[] }[] } } } };
    });
    const jobs = docs.filter((d) => d.kind === 'Job');
    const indexed = jobs.find((j) => j.spec.completionMode === 'Indexed')!;
    const merging = jobs.find((j) => j !== indexed)!;
    expect(indexed, 'an Indexed Job').to.not.equal(undefined);
    const count = indexed.spec.completions as number;
    expect(indexed.spec.parallelism).to.equal(count);
    const script = (job: typeof indexed) => {
      const [shell, flag, text] = job.spec.template.spec.containers[0]!.command;
      expect([shell, flag]).to.deep.equal(['/bin/bash', '-c']);
      return text!;
    };
    const shards: Invocation[] = [];
    for (let index = 0; index < count; index++) {
      for (const args of await osdlabCalls(script(indexed), { JOB_COMPLETION_INDEX: String(index) })) shards.push(await parseOsdlab(args));
    }
    const merges = await Promise.all((await osdlabCalls(script(merging), {})).map(parseOsdlab));
    checkFleet(shards, merges, count);
  });

  it('the GitHub Actions workflow runs one shard per matrix job and merges them in a job that needs them', async () => {
    const workflow = parse(await readFile(`${EXAMPLES}github-actions.yml`, 'utf8')) as {
      jobs: Record<string, { needs?: string | string[]; strategy?: { matrix: { shard: number[] } }; steps: { run?: string }[] }>;
    };
    const shardJob = Object.values(workflow.jobs).find((j) => j.strategy)!;
    const [mergeName, mergeJob] = Object.entries(workflow.jobs).find(([, j]) => !j.strategy)!;
    const shardName = Object.entries(workflow.jobs).find(([, j]) => j === shardJob)![0];
    expect([mergeJob.needs].flat(), `${mergeName} needs the shards`).to.include(shardName);
    const osdlabSteps = (job: typeof shardJob) => job.steps.flatMap((s) => (s.run?.includes('osdlab') ? [s.run] : []));
    const shards: Invocation[] = [];
    for (const shard of shardJob.strategy!.matrix.shard) {
      for (const text of osdlabSteps(shardJob)) {
        // GitHub substitutes its expressions before the shell sees the line.
        const expanded = text.replaceAll('${{ matrix.shard }}', String(shard));
        expect(expanded).not.to.contain('${{');
        for (const args of await osdlabCalls(expanded, {})) shards.push(await parseOsdlab(args));
      }
    }
    const merges: Invocation[] = [];
    for (const text of osdlabSteps(mergeJob)) for (const args of await osdlabCalls(text, {})) merges.push(await parseOsdlab(args));
    checkFleet(shards, merges, shardJob.strategy!.matrix.shard.length);
  });

  it('the checker itself refuses a command the CLI would refuse', async () => {
    const refused = async (args: string[]) => parseOsdlab(args).then(() => false, () => true);
    expect(await refused(['run', 'scenarios/hardware-matrix.yaml', '--shard', '5/4'])).to.equal(true);
    expect(await refused(['run', 'scenarios/hardware-matrix.yaml', '--shards', '1/4'])).to.equal(true);
    expect(await refused(['report', 'merge', 'runs/shard-1'])).to.equal(true);
    expect(await refused(['report', 'merge', 'runs/shard-1', '--out', 'runs/merged'])).to.equal(false);
  });
});
