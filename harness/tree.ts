// Walking a task sequence in execution (document) order, with each node's position path.
import type { Group, TaskSequence, TaskSequenceNode } from './model.js';

export interface WalkEntry {
  node: TaskSequenceNode;
  /** 1-based position in the tree, "2/1/3", as the result JSON's StepResult.path. */
  path: string;
  /** Enclosing groups, outermost first. */
  ancestors: Group[];
}

export function walkTaskSequence(ts: Pick<TaskSequence, 'children'>): WalkEntry[] {
  const out: WalkEntry[] = [];
  const visit = (nodes: TaskSequenceNode[], prefix: string, ancestors: Group[]) => {
    nodes.forEach((node, i) => {
      const path = prefix ? `${prefix}/${i + 1}` : String(i + 1);
      out.push({ node, path, ancestors });
      if (node.kind === 'group') visit(node.children, path, [...ancestors, node]);
    });
  };
  visit(ts.children, '', []);
  return out;
}

export function countNodes(ts: Pick<TaskSequence, 'children'>): { steps: number; groups: number } {
  const all = walkTaskSequence(ts);
  return { steps: all.filter((e) => e.node.kind === 'step').length, groups: all.filter((e) => e.node.kind === 'group').length };
}
