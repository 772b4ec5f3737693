// Evaluates step and group conditions the way TSManager does (ts-formats §a.4), against the
// task-sequence environment and the machine's facts. Decisions that the real engine leaves
// open (empty operators, unset variables, evaluation errors) are documented in docs/conditions.md.
import type { CompareOperator, Condition, VariableOperator } from './model.js';
import type { MachineFacts, TaskSequenceMachine } from './machine.js';
import { likeMatch, runWql } from './wql.js';

export interface ConditionContext {
  /** Current value of a task-sequence variable (case-insensitive lookup), undefined if unset. */
  variable(name: string): string | undefined;
  /** Expands %VAR% in paths/queries the way the engine does. */
  expand(text: string): string;
  machine: TaskSequenceMachine;
  facts: MachineFacts;
  signal?: AbortSignal;
}

export interface ConditionOutcome {
  value: boolean;
  /** Lines TSManager writes while evaluating, in order. */
  log: string[];
  /** Set when the condition could not be evaluated; value is then false and the engine fails the step. */
  error?: string;
}

class EvaluationError extends Error {}

const UNINSTALL_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall';

/** No condition → true. An evaluation error yields value false with `error` set (never a silent false). */
export async function evaluateCondition(condition: Condition | undefined, ctx: ConditionContext): Promise<ConditionOutcome> {
  const log: string[] = [];
  if (!condition) return { value: true, log };
  try {
    return { value: await evaluate(condition, ctx, log), log };
  } catch (err) {
    if (!(err instanceof EvaluationError)) throw err;
    log.push(`Failed to evaluate the condition: ${err.message}`);
    return { value: false, log, error: err.message };
  }
}

const isEmptyOperator = (c: Condition) => (c.kind === 'and' || c.kind === 'or' || c.kind === 'not') && c.malformedEmpty === true;
const ignoreLine = (c: Condition) => `Ignoring an empty ${c.kind.toUpperCase()} expression (it has no operands)`;

/** Operands that count: an empty operator (`<operator type="or"/>`) is treated as absent. */
function effective(operands: Condition[], log: string[]): Condition[] {
  return operands.filter((c) => {
    if (isEmptyOperator(c)) log.push(ignoreLine(c));
    return !isEmptyOperator(c);
  });
}

async function evaluate(c: Condition, ctx: ConditionContext, log: string[]): Promise<boolean> {
  switch (c.kind) {
    case 'and':
    case 'or':
    case 'not': {
      if (c.malformedEmpty) {
        log.push(ignoreLine(c));
        return true;
      }
      log.push(`Evaluating ${{ and: 'an AND', or: 'an OR', not: 'a NOT' }[c.kind]} expression`);
      const operands = effective(c.operands, log);
      if (c.kind === 'and') {
        for (const o of operands) if (!(await evaluate(o, ctx, log))) return false;
        return true;
      }
      if (c.kind === 'or') {
        for (const o of operands) if (await evaluate(o, ctx, log)) return true;
        return false;
      }
      // "None": true when no operand is true.
      for (const o of operands) if (await evaluate(o, ctx, log)) return false;
      return true;
    }
    case 'variable': {
      log.push('Evaluating a variable condition expression');
      const current = ctx.variable(c.variable);
      const value = compareVariable(current, c.operator, c.value);
      log.push(`${c.variable} ${c.operator}${unary(c.operator) ? '' : ` "${c.value}"`} (current value ${current === undefined ? 'not set' : `"${current}"`}): ${value}`);
      return value;
    }
    case 'wmi': {
      log.push('Evaluating a WMI condition expression');
      const query = ctx.expand(c.query);
      let count: number;
      try {
        count = runWql(ctx.expand(c.namespace), query, ctx.facts).length;
      } catch (err) {
        throw new EvaluationError(`WMI query "${query}": ${(err as Error).message}`);
      }
      log.push(`The WMI query "${query}" returned ${count} instance(s)`);
      return count > 0;
    }
    case 'file':
    case 'folder': {
      log.push(`Evaluating a ${c.kind} condition expression`);
      const path = ctx.expand(c.path);
      const info = await ctx.machine.fileInfo(path, ctx.signal);
      const exists = info.exists && info.directory === (c.kind === 'folder');
      let value = exists;
      if (exists && c.kind === 'file' && c.version !== undefined) {
        value = info.version !== undefined && compareOrdered(compareVersions(info.version, c.version), c.versionOperator ?? 'equals');
      }
      if (value && c.dateTime !== undefined) {
        const when = Date.parse(c.dateTime);
        const modified = info.modified === undefined ? NaN : Date.parse(info.modified);
        if (Number.isNaN(when)) throw new EvaluationError(`${c.kind} condition on ${path}: date/time "${c.dateTime}" is not a date`);
        value = !Number.isNaN(modified) && compareOrdered(Math.sign(modified - when), c.dateTimeOperator ?? 'equals');
      }
      log.push(`${c.kind === 'file' ? 'File' : 'Folder'} ${path} ${info.exists ? 'exists' : 'does not exist'}: ${value}`);
      return value;
    }
    case 'registry': {
      log.push('Evaluating a registry condition expression');
      const key = ctx.expand(c.keyPath);
      const data = await ctx.machine.registryValue(key, c.value, ctx.signal);
      let value: boolean;
      if (c.operator === 'exists') value = data !== undefined;
      else if (c.operator === 'notExists') value = data === undefined;
      else {
        const expected = ctx.expand(c.data ?? '');
        const numeric = /^REG_(DWORD|QWORD)$/i.test(c.type ?? '');
        value = data !== undefined && compareOrdered(numeric ? Math.sign(Number(data) - Number(expected)) : compareText(data, expected), c.operator);
      }
      log.push(`Registry ${key}\\${c.value} ${data === undefined ? 'is not set' : `= "${data}"`}: ${value}`);
      return value;
    }
    case 'software': {
      log.push('Evaluating a software condition expression');
      if (!c.productCode) throw new EvaluationError('installed-software condition without a product code: matching by upgrade code is not modelled');
      const key = `${UNINSTALL_KEY}\\${c.productCode}`;
      const name = await ctx.machine.registryValue(key, 'DisplayName', ctx.signal);
      let value = name !== undefined;
      if (value && c.operator === 'ThisVersion') {
        const version = await ctx.machine.registryValue(key, 'DisplayVersion', ctx.signal);
        value = version !== undefined && compareVersions(version, c.version ?? '') === 0;
      }
      log.push(`Product ${c.productCode}${c.productName ? ` (${c.productName})` : ''} ${name === undefined ? 'is not installed' : 'is installed'}: ${value}`);
      return value;
    }
    case 'osVersion': {
      log.push('Evaluating an operating system version condition expression');
      const os = ctx.facts.operatingSystem;
      const value =
        os !== undefined &&
        (!c.architecture || c.architecture.toLowerCase() === os.architecture) &&
        compareOrdered(compareVersions(os.version, c.version), c.operator);
      log.push(`Operating system ${os ? `${os.version} ${os.architecture}` : 'none (Windows PE)'}: ${value}`);
      return value;
    }
    case 'unknown':
      throw new EvaluationError(`unknown condition expression type ${c.type}`);
  }
}

const unary = (op: VariableOperator) => op === 'exists' || op === 'notExists';

/** ConfigMgr compares variable values case-insensitively; numbers and dotted versions compare by value. */
export function compareVariable(current: string | undefined, operator: VariableOperator, expected: string): boolean {
  if (operator === 'exists') return current !== undefined;
  if (operator === 'notExists') return current === undefined;
  // An unset variable compares as the empty string, so `notEquals` on an unset variable is true.
  const actual = current ?? '';
  if (operator === 'like') return likeMatch(actual, expected);
  return compareOrdered(compareText(actual, expected), operator);
}

function compareText(a: string, b: string): number {
  const numeric = /^\s*-?\d+(\.\d+)?\s*$/;
  if (numeric.test(a) && numeric.test(b)) return Math.sign(Number(a) - Number(b));
  if (/^\d+(\.\d+)+$/.test(a.trim()) && /^\d+(\.\d+)+$/.test(b.trim())) return compareVersions(a, b);
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y ? 0 : x < y ? -1 : 1;
}

function compareVersions(a: string, b: string): number {
  const pa = a.trim().split('.').map(Number);
  const pb = b.trim().split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function compareOrdered(order: number, op: CompareOperator): boolean {
  switch (op) {
    case 'equals': return order === 0;
    case 'notEquals': return order !== 0;
    case 'greater': return order > 0;
    case 'greaterEqual': return order >= 0;
    case 'less': return order < 0;
    case 'lessEqual': return order <= 0;
  }
}

const OPERATOR_WORDS: Record<VariableOperator, string> = {
  exists: 'exists',
  notExists: 'does not exist',
  equals: '=',
  notEquals: '<>',
  greater: '>',
  greaterEqual: '>=',
  less: '<',
  lessEqual: '<=',
  like: 'like',
};

/** Readable one-line form, as the console's Options tab shows it: `IsUEFI = "True" AND (Any of: …)`. */
export function describeCondition(condition: Condition): string {
  switch (condition.kind) {
    case 'and':
    case 'or':
    case 'not': {
      if (condition.malformedEmpty) return `(empty ${condition.kind.toUpperCase()}: ignored)`;
      const label = { and: 'All of', or: 'Any of', not: 'None of' }[condition.kind];
      return `${label}(${condition.operands.map(describeCondition).join('; ')})`;
    }
    case 'variable':
      return unary(condition.operator)
        ? `${condition.variable} ${OPERATOR_WORDS[condition.operator]}`
        : `${condition.variable} ${OPERATOR_WORDS[condition.operator]} "${condition.value}"`;
    case 'wmi':
      return `WMI ${condition.namespace}: ${condition.query}`;
    case 'file': {
      const parts = [`File ${condition.path} exists`];
      if (condition.version !== undefined) parts.push(`version ${condition.versionOperator ?? 'equals'} ${condition.version}`);
      if (condition.dateTime !== undefined) parts.push(`modified ${condition.dateTimeOperator ?? 'equals'} ${condition.dateTime}`);
      return parts.join(', ');
    }
    case 'folder':
      return `Folder ${condition.path} exists${condition.dateTime !== undefined ? `, modified ${condition.dateTimeOperator ?? 'equals'} ${condition.dateTime}` : ''}`;
    case 'registry':
      return condition.operator === 'exists' || condition.operator === 'notExists'
        ? `Registry ${condition.keyPath}\\${condition.value} ${condition.operator === 'exists' ? 'exists' : 'does not exist'}`
        : `Registry ${condition.keyPath}\\${condition.value} ${condition.operator} "${condition.data ?? ''}"${condition.type ? ` (${condition.type})` : ''}`;
    case 'software':
      return `Software ${condition.productName ?? condition.productCode ?? condition.upgradeCode ?? '?'} installed${condition.operator === 'ThisVersion' ? ` (version ${condition.version ?? '?'})` : ' (any version)'}`;
    case 'osVersion':
      return `OS version ${condition.operator} ${condition.version}${condition.architecture ? ` (${condition.architecture})` : ''}`;
    case 'unknown':
      return `${condition.type}(${Object.entries(condition.properties).map(([k, v]) => `${k}=${v}`).join(', ')})`;
  }
}
