// `osdlab ts run FILE`: dry-runs a task sequence's control flow on an in-memory machine with injected
// step results, and prints the path it took — "what happens if this step fails on that model?".
import type { Command } from 'commander';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  defaultFacts,
  importTaskSequenceFile,
  installedDisk,
  InMemoryMachine,
  runTaskSequence,
  stepTypeByClass,
  variableNameProblem,
  type MachineFacts,
  type RunTaskSequenceResult,
  type Step,
  type StepResult,
  type TaskSequence,
  type TaskSequenceNode,
} from '../harness/index.js';
import { InputError } from '../scenarios/index.js';
import { EXIT } from './exit-codes.js';
import { tsGroup } from './ts.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** NAME=VALUE pairs of one option; a bad name is the user's mistake, reported with the option. */
function variablePairs(option: string, pairs: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const problem = eq < 0 ? `expected NAME=VALUE, found "${pair}"` : variableNameProblem(name, 'user');
    if (problem) throw new InputError({ path: option, message: problem });
    out[name.trim()] = pair.slice(eq + 1);
  }
  return out;
}

interface Injection {
  target: string;
  exitCode: number;
}

/** --fail "STEP NAME"=EXITCODE (or a path such as 2/3=EXITCODE); the last "=" separates the code. */
function injections(pairs: string[] = []): Injection[] {
  return pairs.map((pair) => {
    const eq = pair.lastIndexOf('=');
    const code = eq < 0 ? NaN : Number(pair.slice(eq + 1));
    if (eq <= 0 || !Number.isInteger(code)) throw new InputError({ path: '--fail', message: `expected "STEP NAME"=EXITCODE, found "${pair}"` });
    return { target: pair.slice(0, eq).trim(), exitCode: code >>> 0 };
  });
}

const FACT_KEYS = Object.keys(defaultFacts()).concat(['operatingSystem', 'cachePath']);
const FACT_ENUMS: Record<string, string[]> = {
  firmware: ['bios', 'uefi'],
  architecture: ['x86', 'x64'],
  environment: ['WinPE', 'FullOS'],
  bootedFrom: ['pxe', 'bootMedia', 'standaloneMedia', 'prestagedMedia', 'disk'],
};

/** Machine facts (JSON or YAML) over the dry-run machine's defaults; top-level fields replace the default's. */
async function readFacts(file: string): Promise<Partial<MachineFacts>> {
  let value: unknown;
  try {
    value = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError({ file, message: `cannot read machine facts: ${(err as Error).message}` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError({ file, message: 'machine facts must be a mapping of fields' });
  for (const [key, v] of Object.entries(value)) {
    if (!FACT_KEYS.includes(key)) throw new InputError({ file, path: key, message: `unknown field; allowed: ${FACT_KEYS.join(', ')}` });
    const allowed = FACT_ENUMS[key];
    if (allowed && !allowed.includes(String(v))) throw new InputError({ file, path: key, message: `"${String(v)}" is not one of ${allowed.join(', ')}` });
  }
  return value as Partial<MachineFacts>;
}

/** Steps (not groups: a group's result follows from its steps) with their paths. */
function stepNames(nodes: TaskSequenceNode[], prefix = ''): { name: string; path: string }[] {
  return nodes.flatMap((n, i) => {
    const path = prefix ? `${prefix}/${i + 1}` : String(i + 1);
    return n.kind === 'group' ? stepNames(n.children, path) : [{ name: n.name, path }];
  });
}

function render(file: string, result: RunTaskSequenceResult): string {
  const pathWidth = Math.max(...result.steps.map((s) => s.path.length), 1);
  const indentOf = (s: StepResult) => '  '.repeat(s.path.split('/').length - 1);
  const width = Math.max(...result.steps.map((s) => indentOf(s).length + s.name.length), 10);
  const lines = result.steps.map((s: StepResult) => {
    const type = s.kind === 'group' ? 'group' : (stepTypeByClass(s.type)?.name ?? s.type);
    const head = `${s.path.padEnd(pathWidth)}  ${`${indentOf(s)}${s.name}`.padEnd(width)}`;
    const code = s.exitCode !== undefined ? ` exit ${s.exitCode}` : '';
    const reason = s.reason ? `  (${s.reason})` : '';
    return `${head} ${s.status.padEnd(8)}${code}  [${type}]${reason}`;
  });
  const end =
    result.outcome === 'success'
      ? 'success'
      : `${result.outcome}${result.failedStep ? ` at "${result.failedStep}"` : ''}${result.error ? `: ${result.error}` : ''}`;
  return `${lines.join('\n')}\n\n${file}: ${end}; ${result.reboots} restart(s)\n`;
}

export function addTsRunCommand(program: Command, setExit: (code: number) => void): void {
  tsGroup(program)
    .command('run')
    .description(
      'Dry-run the control flow of a task sequence and print the executed path: each step with its status, exit code and why it was skipped or failed. ' +
        'It runs on the dry-run machine, an in-memory stand-in (not the twin): UEFI x64, 8 GB, disk 0 holding a previous Windows install (EFI, MSR, NTFS C:), ' +
        'started from PXE into WinPE; command lines exit 0 and restarts come back unless --fail or --facts say otherwise',
    )
    .argument('<file>', 'task sequence: export .zip, object.xml, <sequence> XML, MDT ts.xml or .yaml')
    .option('--var <NAME=VALUE>', 'variable saved before the first step (beats computer and collection variables); repeatable', collect)
    .option('--computer-var <NAME=VALUE>', 'per-computer variable; repeatable', collect)
    .option('--collection-var <NAME=VALUE>', 'per-collection variable; repeatable', collect)
    .option('--media-var <NAME=VALUE>', 'media variable (on stand-alone media it replaces computer and collection variables); repeatable', collect)
    .option('--fail <STEP=EXITCODE>', 'make every step of that name (or the one at that path, e.g. 2/3) return this exit code instead of running; repeatable', collect)
    .option('--facts <file>', 'machine facts (JSON or YAML) replacing fields of the dry-run machine, e.g. firmware: bios, bootedFrom: standaloneMedia')
    .option('--package-id <id>', 'which task sequence of a multi-sequence export (Run Task Sequence children are looked up in the same file)')
    .option('--log <dir>', 'write smsts.log (and its rolled segments) into this folder')
    .option('--json', 'print steps[] (path, name, type, status, exitCode, reason) and the final variables as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  osdlab ts run ts.xml --fail "Apply Operating System"=2\n  osdlab ts run Export.zip --facts bios-vm.yaml --computer-var OSDComputerName=LAB01 --json\n\n' +
        'Exit code 0 when the task sequence succeeds, 1 when it fails, 2 when the input cannot be read.\n',
    )
    .action(async (file: string, opts: Record<string, string[] | string | boolean | undefined>) => {
      const sequence = await importTaskSequenceFile(file, { packageId: opts.packageId as string | undefined });
      const facts = opts.facts ? await readFacts(opts.facts as string) : {};
      const failures = injections(opts.fail as string[] | undefined);
      const known = stepNames(sequence.children);
      for (const f of failures) {
        if (!known.some((k) => k.path === f.target || k.name.toLowerCase() === f.target.toLowerCase())) {
          throw new InputError({ file, path: '--fail', message: `no step named (or at path) "${f.target}" in the task sequence` });
        }
      }
      const machine = new InMemoryMachine({ facts: { disks: [installedDisk()], ...facts }, controlFlowOnly: true });
      const result = await runTaskSequence({
        sequence,
        machine,
        variables: {
          preStart: variablePairs('--var', opts.var as string[] | undefined),
          computer: variablePairs('--computer-var', opts.computerVar as string[] | undefined),
          collections: [{ precedence: 1, variables: variablePairs('--collection-var', opts.collectionVar as string[] | undefined) }],
          media: variablePairs('--media-var', opts.mediaVar as string[] | undefined),
          standaloneMedia: facts.bootedFrom === 'standaloneMedia',
        },
        injectResult: (step: Step, path: string) => {
          const hit = failures.find((f) => f.target === path || f.target.toLowerCase() === step.name.toLowerCase());
          return hit ? { exitCode: hit.exitCode } : undefined;
        },
        resolveSubTaskSequence: (packageId) => childSequence(file, packageId, sequence),
      });
      if (opts.log) {
        await mkdir(opts.log as string, { recursive: true });
        for (const f of result.log.files()) await writeFile(join(opts.log as string, f.name), f.text);
      }
      const steps = result.steps.map(({ path, name, type, status, exitCode, reason }) => ({ path, name, type, status, exitCode, reason }));
      if (opts.json) {
        const json = { file, machine: 'dry-run (in-memory)', outcome: result.outcome, failedStep: result.failedStep, error: result.error, reboots: result.reboots, steps, variables: result.variables };
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      } else {
        process.stdout.write(render(file, result));
      }
      if (result.outcome !== 'success') setExit(EXIT.failed);
    });
}

/** A Run Task Sequence child from the same export; undefined when the file does not hold it. */
async function childSequence(file: string, packageId: string, parent: TaskSequence): Promise<TaskSequence | undefined> {
  if (parent.packageId?.toLowerCase() === packageId.toLowerCase()) return parent;
  try {
    // Only an export holds several sequences; other forms ignore the package ID and return themselves.
    const child = await importTaskSequenceFile(file, { packageId });
    return child.packageId?.toLowerCase() === packageId.toLowerCase() ? child : undefined;
  } catch (err) {
    if (err instanceof InputError) return undefined;
    throw err;
  }
}
