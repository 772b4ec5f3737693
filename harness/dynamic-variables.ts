// Set Dynamic Variables rules (ts-formats §a.5): the escaped <Rules> XML in OSDSetDynamicVariablesRules.
// Rules are evaluated in order; every rule whose condition holds (or that has none) sets its variables,
// so a later matching rule overrides an earlier one.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Condition, VariableOperator } from './model.js';

export interface DynamicVariableRule {
  condition?: Condition;
  variables: { name: string; value: string; secret: boolean }[];
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['Rule', 'Variable', 'variable', 'expression', 'operator'].includes(name),
});

const OPERATORS: Record<string, VariableOperator> = {
  exists: 'exists', notexists: 'notExists', equals: 'equals', notequals: 'notEquals', greater: 'greater',
  greaterequal: 'greaterEqual', less: 'less', lessequal: 'lessEqual', like: 'like',
};

export class RulesError extends Error {}

const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v === undefined || v === '' ? [] : [v as Node]);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v !== null ? String((v as Node)['#text'] ?? '') : '');

function expression(node: Node): Condition {
  const type = String(node['@type'] ?? '');
  const props: Record<string, string> = {};
  for (const v of list(node.variable)) props[String(v['@name'] ?? '')] = text(v);
  if (type === 'SMS_TaskSequence_VariableConditionExpression') {
    const operator = OPERATORS[(props.Operator ?? 'equals').toLowerCase()];
    if (!operator) throw new RulesError(`unknown variable condition operator "${props.Operator}"`);
    return { kind: 'variable', variable: props.Variable ?? '', operator, value: props.Value ?? '' };
  }
  return { kind: 'unknown', type, properties: props };
}

function operands(node: Node): Condition[] {
  return [...list(node.operator).map(operatorNode), ...list(node.expression).map(expression)];
}

function operatorNode(node: Node): Condition {
  const type = String(node['@type'] ?? 'and').toLowerCase();
  if (type !== 'and' && type !== 'or' && type !== 'not') throw new RulesError(`unknown condition operator "${type}"`);
  const ops = operands(node);
  return ops.length === 0 ? { kind: type, operands: [], malformedEmpty: true } : { kind: type, operands: ops };
}

/** Parses the rules payload; throws RulesError naming what is wrong. */
export function parseDynamicVariableRules(xml: string): DynamicVariableRule[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new RulesError(`the rules are not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  const doc = parser.parse(xml) as Node;
  const rules = doc.Rules as Node | string | undefined;
  if (rules === undefined) throw new RulesError('the rules have no <Rules> element');
  return list(typeof rules === 'string' ? undefined : rules.Rule).map((rule) => {
    const conditionNode = rule.condition as Node | undefined;
    const conds = conditionNode && typeof conditionNode === 'object' ? operands(conditionNode) : [];
    const condition: Condition | undefined = conds.length === 0 ? undefined : conds.length === 1 ? conds[0] : { kind: 'and', operands: conds };
    const vars = list((rule.Variables as Node | undefined)?.Variable).map((v) => ({
      name: String(v['@Name'] ?? ''),
      value: text(v),
      secret: String(v['@IsSecret'] ?? 'false').toLowerCase() === 'true',
    }));
    return { condition, variables: vars };
  });
}
