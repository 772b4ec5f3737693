// `osdlab repro --ts EXPORT`: the draft deploys the customer's own task sequence (any form the importers read)
// instead of a synthetic one. The path is pinned by what the conditions read: the variables the log shows values
// for become the machine's variables, the firmware and architecture the machine's own; content the sequence
// references is declared so the deployment passes ConfigMgr's pre-flight check.
import { lintTaskSequence, walkTaskSequence, type Condition, type TaskSequence } from '../../harness/index.js';
import type { ExportPlan } from './draft.js';
import type { FieldTrace } from './trace.js';
import { allFieldNodes } from './trace.js';

/** Variables the engine sets itself (read-only for a task sequence); the lab derives them from the machine. */
const ENGINE_VARIABLE = /^_SMSTS|^_OSD/i;

export function exportPlan(ts: TaskSequence, trace: FieldTrace, path: string): ExportPlan {
  const entries = walkTaskSequence(ts);
  const todo: string[] = [];
  const read = new Set<string>();
  const opaque: string[] = [];
  for (const { node } of entries) if (node.condition) conditionReads(node.condition, read, opaque, node.name);
  const variables: Record<string, string> = {};
  const unknown: string[] = [];
  for (const name of [...read].sort()) {
    if (ENGINE_VARIABLE.test(name)) continue;
    const value = [...trace.variables].find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    if (value !== undefined) variables[name] = value;
    else unknown.push(name);
  }
  if (unknown.length > 0) todo.push(`conditions read ${unknown.join(', ')}, which the log shows no value for`);
  if (opaque.length > 0) todo.push(`conditions the lab answers from the machine, not from the log (WMI, files, registry, software, OS version) in: ${[...new Set(opaque)].join(', ')}`);

  const names = new Set(entries.map((e) => e.node.name));
  const absent = allFieldNodes(trace.nodes).filter((n) => !names.has(n.name)).map((n) => n.name);
  if (absent.length > 0) todo.push(`the log shows steps this task sequence does not have (another version of it?): ${[...new Set(absent)].join(', ')}; expect: leaves them out`);
  for (const s of allFieldNodes(trace.nodes)) {
    if (s.kind === 'step' && s.status === 'failed') {
      todo.push(`"${s.name}" failed in the field${s.exitCode !== undefined ? ` with ${s.exitCode}` : ''}${s.error ? ` (${s.error.split('\n')[0]})` : ''}; the lab runs the real step, so recreate the cause (content, disk, network) for it to fail the same way`);
    }
  }
  return { path, content: referencedContent(ts), variables, absentSteps: [...new Set(absent)], todo };
}

function conditionReads(c: Condition, read: Set<string>, opaque: string[], owner: string): void {
  if (c.kind === 'and' || c.kind === 'or' || c.kind === 'not') c.operands.forEach((o) => conditionReads(o, read, opaque, owner));
  else if (c.kind === 'variable') read.add(c.variable);
  else opaque.push(owner);
}

/** Package IDs the sequence needs in the scenario's content: what pre-flight would refuse as missing. */
function referencedContent(ts: TaskSequence): ExportPlan['content'] {
  const ids = new Set<string>();
  for (const issue of lintTaskSequence(ts, { packageIds: [], downloadAllDeployments: [] })) {
    if (issue.rule !== 'missing-content') continue;
    const id = /package ([A-Z0-9]{3}[0-9A-F]{5})\b/i.exec(issue.message)?.[1];
    if (id) ids.add(id.toUpperCase());
  }
  const steps = walkTaskSequence(ts).flatMap((e) => (e.node.kind === 'step' ? [e.node] : []));
  return [...ids].sort().map((id) => {
    const variable = steps.flatMap((s) => s.variables).find((v) => v.value.trim().toUpperCase() === id)?.name.toLowerCase() ?? '';
    const kind = variable === 'imagepackageid' || variable === 'osdupgradeinstallpackageid' ? 'osImage'
      : variable === '_smsclientpackageid' ? 'client'
      : variable.includes('usmt') ? 'usmt'
      : variable.includes('driver') ? 'driverPackage'
      : 'software';
    return { id, kind };
  });
}
