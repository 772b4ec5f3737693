// `osdlab repro`: field smsts.log (and BDD.log) → a draft scenario that reproduces the path on the lab.
import { relative, dirname } from 'node:path';
import type { TaskSequence } from '../../harness/index.js';
import { draftScenario } from './draft.js';
import { readFieldLog, type FieldLog } from './field-log.js';
import { traceOf, type FieldTrace } from './trace.js';
import { exportPlan } from './with-export.js';

export { readFieldLog, type FieldLog, type FieldLogLine } from './field-log.js';
export { traceOf, allFieldNodes, type FieldTrace, type FieldNode, type FieldStep, type FieldGroup, type FieldFacts, type FieldStatus } from './trace.js';

export interface ReproInput {
  /** The logs in the order they were written (smsts.log segments, BDD.log), each with the name the user gave. */
  logs: { file: string; text: string }[];
  /** Where the scenario will be written: the export's path in it is relative to its folder. */
  scenarioFile: string;
  /** With --ts: the customer's task sequence, imported, and its file. */
  export?: { file: string; sequence: TaskSequence };
}

export interface Repro {
  yaml: string;
  trace: FieldTrace;
  logs: FieldLog[];
}

export function reproScenario(input: ReproInput): Repro {
  const logs = input.logs.map((l) => readFieldLog(l.text));
  const trace = traceOf(logs.flatMap((l) => l.lines));
  const exportRef = input.export
    ? exportPlan(input.export.sequence, trace, relative(dirname(input.scenarioFile), input.export.file).split('\\').join('/') || input.export.file)
    : undefined;
  const yaml = draftScenario({
    trace,
    logFile: input.logs.map((l) => l.file).join(', '),
    records: logs.reduce((n, l) => n + l.lines.length, 0),
    skippedRecords: logs.reduce((n, l) => n + l.skipped, 0),
    ...(exportRef ? { export: exportRef } : {}),
  });
  return { yaml, trace, logs };
}
