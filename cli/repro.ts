// `osdlab repro SMSTS.LOG...`: a draft scenario from field logs (reports/repro), checked the way
// `osdlab validate` checks a scenario before it is handed over.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { importScenarioSequences, importTaskSequenceFile } from '../harness/index.js';
import { allFieldNodes, reproScenario, writeFileAtomic } from '../reports/index.js';
import { InputError, parseScenario } from '../scenarios/index.js';
import { EXIT } from './exit-codes.js';

export function addReproCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('repro')
    .description('Write a draft scenario that reproduces the path a field smsts.log shows (ConfigMgr or MDT), with TODOs for what the log does not tell')
    .argument('<log...>', 'smsts.log from the field, with its rolled segments and BDD.log if you have them, oldest first')
    .option('--ts <export>', "the customer's task sequence (export .zip, object.xml, <sequence> XML, MDT ts.xml or YAML) instead of a synthetic one")
    .option('--package-id <id>', 'which task sequence of a multi-sequence export to take')
    .option('--out <file>', 'scenario file to write (default: print it)')
    .addHelpText(
      'after',
      '\nExample:\n  osdlab repro smsts.log --out repro.yaml && osdlab run repro.yaml\n  osdlab repro smsts-20261123-101500.log smsts.log --ts export.zip --out repro.yaml\n\n' +
        'The draft holds the machine facts the log shows, the executed path (failing where the field failed, with\nthe same exit code) and expect: with that path, so `osdlab run` says whether the lab walks it.\n' +
        'Exit code 0 when the draft validates, 1 when it does not (it is written anyway), 2 for bad input.\n',
    )
    .action(async (files: string[], opts: { ts?: string; packageId?: string; out?: string }) => {
      const logs = await Promise.all(files.map(async (file) => ({ file, text: await readLog(file) })));
      const scenarioFile = resolve(opts.out ?? 'repro.yaml');
      const sequence = opts.ts ? await importTaskSequenceFile(opts.ts, opts.packageId ? { packageId: opts.packageId } : {}) : undefined;
      const repro = reproScenario({ logs, scenarioFile, ...(opts.ts && sequence ? { export: { file: resolve(opts.ts), sequence } } : {}) });
      if (repro.trace.nodes.length === 0) {
        throw new InputError({ file: files[0], message: 'no task-sequence step found: expected smsts.log lines such as "Start executing an instruction. Instruction name: ..."' });
      }
      if (opts.out) await writeFileAtomic(opts.out, repro.yaml);
      else process.stdout.write(repro.yaml);
      const say = (s: string) => (opts.out ? process.stdout : process.stderr).write(`${s}\n`);
      const steps = allFieldNodes(repro.trace.nodes).filter((n) => n.kind === 'step');
      const count = (status: string) => steps.filter((s) => s.status === status).length;
      say(`${repro.trace.engine} log: ${steps.length} steps (${count('success')} succeeded, ${count('failed')} failed, ${count('skipped') + count('disabled')} skipped), outcome ${repro.trace.outcome}${repro.trace.failedStep ? ` at "${repro.trace.failedStep}"` : ''}`);
      say(`${(repro.yaml.match(/# TODO:/g) ?? []).length} TODOs in the draft${opts.out ? ` ${opts.out}` : ''}`);
      try {
        const scenario = await parseScenario(scenarioFile, repro.yaml);
        await importScenarioSequences(scenario);
        say('the draft validates');
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        say(`the draft does not validate yet:\n${err.message}`);
        setExit(EXIT.failed);
      }
    });
}

async function readLog(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError({ file, message: `cannot read the log (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
  }
}
