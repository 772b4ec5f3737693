// `osdlab ts show`: the task sequence as the editor shows it — groups, steps, their conditions in
// readable form, where each step runs, and the disabled / continue-on-error marks.
import { describeCondition } from './conditions.js';
import type { RunIn, TaskSequence, TaskSequenceNode } from './model.js';
import { stepTypeByClass } from './step-types.js';
import { countNodes } from './tree.js';

export interface ShownNode {
  path: string;
  kind: 'group' | 'step';
  name: string;
  /** Class name as written (steps only). */
  type?: string;
  /** Editor name of the type, when the catalogue knows it. */
  typeName?: string;
  runIn?: RunIn;
  disabled: boolean;
  continueOnError: boolean;
  condition?: string;
  line?: number;
  children?: ShownNode[];
}

export interface ShownTaskSequence {
  name?: string;
  packageId?: string;
  version: string;
  source: TaskSequence['source'];
  file?: string;
  steps: number;
  groups: number;
  tree: ShownNode[];
}

const ENVIRONMENT: Record<RunIn, string> = { WinPE: 'WinPE', FullOS: 'full OS', WinPEandFullOS: 'WinPE or full OS' };

function shown(nodes: TaskSequenceNode[], prefix: string): ShownNode[] {
  return nodes.map((n, i) => {
    const path = prefix ? `${prefix}/${i + 1}` : String(i + 1);
    const base = {
      path,
      kind: n.kind,
      name: n.name,
      disabled: n.disabled,
      continueOnError: n.continueOnError,
      ...(n.condition ? { condition: describeCondition(n.condition) } : {}),
      ...(n.location?.line !== undefined ? { line: n.location.line } : {}),
    };
    if (n.kind === 'group') return { ...base, children: shown(n.children, path) };
    const known = stepTypeByClass(n.type);
    return { ...base, type: n.type, ...(known ? { typeName: known.displayName } : {}), runIn: n.runIn };
  });
}

export function showTaskSequence(ts: TaskSequence): ShownTaskSequence {
  return {
    ...(ts.name !== undefined ? { name: ts.name } : {}),
    ...(ts.packageId !== undefined ? { packageId: ts.packageId } : {}),
    version: ts.version,
    source: ts.source,
    ...(ts.file !== undefined ? { file: ts.file } : {}),
    ...countNodes(ts),
    tree: shown(ts.children, ''),
  };
}

const SOURCE: Record<TaskSequence['source'], string> = { configmgr: 'ConfigMgr', mdt: 'MDT', yaml: 'osdlab YAML' };

/** The tree as text: one line per group or step, its condition on the line below. */
export function renderTaskSequence(view: ShownTaskSequence): string {
  const title = `${view.name ?? '(unnamed task sequence)'}${view.packageId ? ` (${view.packageId})` : ''}`;
  const lines = [title, `${SOURCE[view.source]} sequence, schema ${view.version}: ${view.steps} steps in ${view.groups} groups`];
  const draw = (nodes: ShownNode[], indent: string) => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      const marks = [n.disabled ? 'disabled' : '', n.continueOnError ? 'continue on error' : ''].filter(Boolean).map((m) => ` [${m}]`).join('');
      const head = n.kind === 'group'
        ? `${n.path} ▸ ${n.name}${marks}`
        : `${n.path} ${n.name} — ${n.typeName ?? `${n.type} (unknown type)`}, ${ENVIRONMENT[n.runIn!]}${marks}`;
      lines.push(`${indent}${last ? '└─ ' : '├─ '}${head}`);
      const inner = indent + (last ? '   ' : '│  ');
      if (n.condition) lines.push(`${inner}${n.children?.length ? '│  ' : '   '}if ${n.condition}`);
      if (n.children) draw(n.children, inner);
    });
  };
  draw(view.tree, '');
  return `${lines.join('\n')}\n`;
}
