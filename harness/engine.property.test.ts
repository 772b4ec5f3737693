import { expect } from 'chai';
import fc from 'fast-check';
import { runTaskSequence } from './engine.js';
import { group, sequence, step, variableEquals } from './engine/test-builders.js';
import type { TaskSequenceNode } from './model.js';
import type { StepResult } from './result.js';
import { InMemoryMachine } from './test-backend.js';

interface Shape {
  kind: 'group' | 'step';
  continueOnError: boolean;
  disabled: boolean;
  /** 0 no condition, 1 true in WinPE, 2 false in WinPE. */
  condition: 0 | 1 | 2;
  exitCode: number;
  children: Shape[];
}

const leaf: fc.Arbitrary<Shape> = fc.record({
  kind: fc.constant('step' as const),
  continueOnError: fc.boolean(),
  disabled: fc.constantFrom(false, false, false, true),
  condition: fc.constantFrom(0, 0, 1, 2) as fc.Arbitrary<0 | 1 | 2>,
  // 3010 asks for a restart, which on the blank disk of the default machine halts the sequence.
  exitCode: fc.constantFrom(0, 0, 0, 1, 4, 3010),
  children: fc.constant([]),
});

const { tree } = fc.letrec<{ tree: Shape; node: Shape }>((tie) => ({
  tree: fc.record({
    kind: fc.constant('group' as const),
    continueOnError: fc.boolean(),
    disabled: fc.constant(false),
    condition: fc.constant(0 as const),
    exitCode: fc.constant(0),
    children: fc.array(tie('node'), { maxLength: 5 }),
  }),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({
      kind: fc.constant('group' as const),
      continueOnError: fc.boolean(),
      disabled: fc.constantFrom(false, false, false, true),
      condition: fc.constantFrom(0, 0, 1, 2) as fc.Arbitrary<0 | 1 | 2>,
      exitCode: fc.constant(0),
      children: fc.array(tie('node'), { maxLength: 4 }),
    }),
  ),
}));

/** Builds the tree with unique names (the path) and an exit-code table for injection. */
function build(shapes: Shape[], prefix: string, exits: Map<string, number>): TaskSequenceNode[] {
  return shapes.map((s, i) => {
    const path = prefix ? `${prefix}/${i + 1}` : String(i + 1);
    const condition = s.condition === 0 ? undefined : variableEquals('_SMSTSInWinPE', s.condition === 1 ? 'true' : 'false');
    const common = { continueOnError: s.continueOnError, disabled: s.disabled, condition };
    if (s.kind === 'group') return group(`G${path}`, build(s.children, path, exits), common);
    exits.set(`S${path}`, s.exitCode);
    return step(`S${path}`, { ...common, successCodes: [0, 3010] });
  });
}

function treePaths(nodes: TaskSequenceNode[], prefix = ''): string[] {
  return nodes.flatMap((n, i) => {
    const path = prefix ? `${prefix}/${i + 1}` : String(i + 1);
    return n.kind === 'group' ? [path, ...treePaths(n.children, path)] : [path];
  });
}

async function execute(shape: Shape) {
  const exits = new Map<string, number>();
  const ts = sequence(build(shape.children, '', exits));
  const result = await runTaskSequence({
    sequence: ts,
    machine: new InMemoryMachine(),
    injectResult: (s) => ({ exitCode: exits.get(s.name) ?? 0 }),
  });
  return { ts, result };
}

const STATUSES = new Set(['success', 'failed', 'skipped', 'disabled', 'notRun']);

describe('engine: properties over random task-sequence trees', () => {
  it('every node ends in exactly one status', async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (shape) => {
        const { ts, result } = await execute(shape);
        const paths = result.steps.map((s) => s.path);
        expect(new Set(paths).size, 'no node reported twice').to.equal(paths.length);
        expect([...paths].sort()).to.deep.equal(treePaths(ts.children).sort());
        for (const s of result.steps) expect(STATUSES.has(s.status), s.status).to.equal(true);
      }),
      { numRuns: 150 },
    );
  });

  it('after a failing node without continue on error, its later siblings are not run', async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (shape) => {
        const { ts, result } = await execute(shape);
        const byPath = new Map<string, StepResult>(result.steps.map((s) => [s.path, s]));
        const check = (nodes: TaskSequenceNode[], prefix: string) => {
          let stopped = false;
          nodes.forEach((n, i) => {
            const path = prefix ? `${prefix}/${i + 1}` : String(i + 1);
            const r = byPath.get(path)!;
            if (stopped) expect(r.status, `${path} after a failure`).to.equal('notRun');
            if (r.status === 'failed' && !n.continueOnError) stopped = true;
            if (n.kind === 'group') check(n.children, path);
          });
          return stopped;
        };
        const failedAtTop = check(ts.children, '');
        const halted = result.steps.some((s) => s.status === 'failed' && /no formatted partition/.test(s.reason ?? ''));
        expect(result.outcome).to.equal(failedAtTop || halted ? 'failed' : 'success');
      }),
      { numRuns: 150 },
    );
  });

  it('_SMSTSLastActionSucceeded and _SMSTSLastActionRetCode describe the last step that ran (skips do not reset them)', async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (shape) => {
        const { result } = await execute(shape);
        const ran = result.steps.filter((s) => s.kind === 'step' && (s.status === 'success' || s.status === 'failed') && s.exitCode !== undefined);
        const last = ran.at(-1);
        if (result.outcome === 'failed' && result.steps.some((s) => /no formatted partition/.test(s.reason ?? ''))) return;
        expect(result.variables._SMSTSLastActionSucceeded).to.equal(last ? String(last.status === 'success') : undefined);
        expect(result.variables._SMSTSLastActionRetCode).to.equal(last ? String(last.exitCode) : undefined);
      }),
      { numRuns: 150 },
    );
  });

  it('the same tree on the same machine gives the same result and the same log', async () => {
    await fc.assert(
      fc.asyncProperty(tree, async (shape) => {
        const a = await execute(shape);
        const b = await execute(shape);
        expect(b.result.steps).to.deep.equal(a.result.steps);
        expect(b.result.variables).to.deep.equal(a.result.variables);
        expect(b.result.log.files()).to.deep.equal(a.result.log.files());
      }),
      { numRuns: 60 },
    );
  });
});
