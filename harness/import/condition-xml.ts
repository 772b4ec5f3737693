// <condition> → Condition (ts-formats §a.4): operators nest, several expressions without an
// operator are an implicit AND, and the real-world empty `<operator type="or"/>` is kept and marked.
import type { CompareOperator, Condition, VariableOperator } from '../model.js';
import type { XmlElement } from './xml-tree.js';
import type { Where } from './where.js';

const VARIABLE_OPERATORS: VariableOperator[] = ['exists', 'notExists', 'equals', 'notEquals', 'greater', 'greaterEqual', 'less', 'lessEqual', 'like'];
const COMPARE_OPERATORS: CompareOperator[] = ['equals', 'notEquals', 'greater', 'greaterEqual', 'less', 'lessEqual'];
/** The SDK documents the registry operator as "nonExists"; accept it for notExists. */
const ALIASES: Record<string, string> = { nonexists: 'notExists' };

function pick<T extends string>(allowed: readonly T[], raw: string): T | undefined {
  const key = raw.trim().toLowerCase();
  return (allowed.find((a) => a.toLowerCase() === key) ?? allowed.find((a) => a === ALIASES[key])) as T | undefined;
}

/** Parses the <condition> element; an empty one (MDT writes `<condition></condition>`) is no condition. */
export function parseConditionElement(el: XmlElement, where: Where): Condition | undefined {
  const operands = el.children.map((child, i) => parseNode(child, where.child(child, i, el.children)));
  if (operands.length === 0) return undefined;
  if (operands.length === 1) return operands[0];
  return { kind: 'and', operands, location: where.location(el) };
}

function parseNode(el: XmlElement, where: Where): Condition {
  if (el.name === 'operator') return parseOperator(el, where);
  if (el.name === 'expression') return parseExpression(el, where);
  return where.fail(el, `unexpected element <${el.name}> in a condition; allowed: operator, expression`);
}

function parseOperator(el: XmlElement, where: Where): Condition {
  const raw = el.attributes.type;
  if (raw === undefined) return where.fail(el, 'operator has no type attribute; allowed: and, or, not');
  const kind = pick(['and', 'or', 'not'] as const, raw);
  if (!kind) return where.fail(el, `attribute type: "${raw}" is not one of and, or, not`);
  const operands = el.children.map((child, i) => parseNode(child, where.child(child, i, el.children)));
  return { kind, operands, ...(operands.length === 0 ? { malformedEmpty: true } : {}), location: where.location(el) };
}

function parseExpression(el: XmlElement, where: Where): Condition {
  const type = el.attributes.type;
  if (type === undefined || type.trim() === '') return where.fail(el, 'expression has no type attribute');
  const props = new Map<string, { name: string; value: string }>();
  el.children.forEach((child, i) => {
    const w = where.child(child, i, el.children);
    if (child.name !== 'variable') w.fail(child, `unexpected element <${child.name}> in an expression; allowed: variable`);
    const name = child.attributes.name;
    if (name === undefined) w.fail(child, 'variable has no name attribute');
    if (props.has(name.toLowerCase())) w.fail(child, `variable "${name}" is given twice`);
    props.set(name.toLowerCase(), { name, value: child.text });
  });
  const get = (name: string) => props.get(name.toLowerCase())?.value;
  const need = (name: string) => {
    const v = get(name);
    if (v === undefined || v.trim() === '') where.fail(el, `${type} needs a non-empty "${name}" variable`);
    return v!;
  };
  const op = <T extends string>(name: string, allowed: readonly T[], fallback?: T): T => {
    const raw = get(name);
    if (raw === undefined || raw.trim() === '') {
      if (fallback !== undefined) return fallback;
      return where.fail(el, `${type} needs an "${name}" variable; allowed: ${allowed.join(', ')}`);
    }
    const value = pick(allowed, raw);
    if (!value) return where.fail(el, `variable ${name}: "${raw}" is not one of ${allowed.join(', ')}`);
    return value;
  };
  const optional = (name: string) => get(name) || undefined;
  const location = where.location(el);
  switch (type.trim().toLowerCase()) {
    case 'sms_tasksequence_variableconditionexpression':
      return { kind: 'variable', variable: need('Variable').trim(), operator: op('Operator', VARIABLE_OPERATORS), value: get('Value') ?? '', location };
    case 'sms_tasksequence_wmiconditionexpression':
      return { kind: 'wmi', namespace: get('Namespace')?.trim() || 'root\\cimv2', query: need('Query').trim(), location };
    case 'sms_tasksequence_fileconditionexpression':
      return {
        kind: 'file', path: need('Path'), version: optional('Version'), versionOperator: get('Version') ? op('VersionOperator', COMPARE_OPERATORS, 'equals') : undefined,
        dateTime: optional('DateTime'), dateTimeOperator: get('DateTime') ? op('DateTimeOperator', COMPARE_OPERATORS, 'equals') : undefined, location,
      };
    case 'sms_tasksequence_folderconditionexpression':
      return {
        kind: 'folder', path: need('Path'), dateTime: optional('DateTime'),
        dateTimeOperator: get('DateTime') ? op('DateTimeOperator', COMPARE_OPERATORS, 'equals') : undefined, location,
      };
    case 'sms_tasksequence_registryconditionexpression':
      return {
        kind: 'registry', keyPath: need('KeyPath'), value: get('Value') ?? '', type: optional('Type'), data: get('Data'),
        operator: op('Operator', ['exists', 'notExists', ...COMPARE_OPERATORS] as const, 'exists'), location,
      };
    case 'sms_tasksequence_softwareconditionexpression':
      return {
        kind: 'software', operator: op('Operator', ['AnyVersion', 'ThisVersion'] as const, 'AnyVersion'), productCode: optional('ProductCode'),
        productName: optional('ProductName'), upgradeCode: optional('UpgradeCode'), version: optional('Version'), location,
      };
    default:
      return { kind: 'unknown', type, properties: Object.fromEntries([...props.values()].map((p) => [p.name, p.value])), location };
  }
}
