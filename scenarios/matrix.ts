// Matrix expansion: one machine entry with `matrix:` becomes one machine per combination of
// its axes, each with the expectation its `expect:` rules give that combination.
import { fieldSchemaAt, parseAxis, type AxisPath } from './matrix-axes.js';
import { machineFields, type Expectation, type ExpectationRule, type MachineDocument, type MachineFields } from './schema.js';

export interface ExpandedMachine {
  /** "PC01" or, from a matrix, "PC01[uefi,x64,gpt,basic]". */
  name: string;
  /** Axis → value as written, for combinations of a matrix. */
  axes?: Record<string, string>;
  /** 0-based number of the combination (0 for a machine without matrix). */
  combination: number;
  fields: MachineFields;
  expect?: Expectation;
}

/** Expands a machine entry (already validated, so every axis and value fits) into its machines. */
export function expandMatrix(machine: MachineDocument): ExpandedMachine[] {
  const { name, matrix, expect, ...fields } = machine;
  if (!matrix || Object.keys(matrix).length === 0) {
    return [{ name, combination: 0, fields, expect: resolveExpectation(expect, {}) }];
  }
  const axes = Object.entries(matrix).map(([axis, values]) => ({ axis, path: parseAxis(axis) as AxisPath, values }));
  const combos = axes.reduce<number[][]>((acc, a) => acc.flatMap((c) => a.values.map((_, i) => [...c, i])), [[]]);
  return combos.map((choice, combination) => {
    const copy = structuredClone(fields);
    const labels: Record<string, string> = {};
    axes.forEach((a, k) => {
      const raw = a.values[choice[k]];
      labels[a.axis] = String(raw);
      setAt(copy, a.path, parseField(a.path, raw));
    });
    return { name: `${name}[${Object.values(labels).join(',')}]`, axes: labels, combination, fields: copy, expect: resolveExpectation(expect, labels) };
  });
}

function parseField(path: AxisPath, raw: unknown): unknown {
  const found = fieldSchemaAt(machineFields, path);
  if ('error' in found) throw new Error(`matrix axis ${path.join('.')} escaped validation: ${found.error}`);
  return found.schema.parse(raw);
}

function setAt(target: object, path: AxisPath, value: unknown): void {
  let parent = target as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  parent[path[path.length - 1]] = value;
}

/** A single expectation as is; rules merged in order, those whose `when` matches the combination. */
export function resolveExpectation(expect: Expectation | ExpectationRule[] | undefined, axes: Record<string, string>): Expectation | undefined {
  if (!Array.isArray(expect)) return expect;
  const matching = expect.filter((rule) => Object.entries(rule.when ?? {}).every(([axis, value]) => axes[axis] === String(value)));
  if (matching.length === 0) return undefined;
  const merged: Record<string, unknown> = {};
  for (const { when: _when, ...fields } of matching) {
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) merged[k] = v;
  }
  return merged as Expectation;
}
