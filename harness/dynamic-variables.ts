// Set Dynamic Variables rules (ts-formats §a.5): the escaped <Rules> XML in OSDSetDynamicVariablesRules.
// Rules are evaluated in order; every rule whose condition holds (or that has none) sets its variables,
// so a later matching rule overrides an earlier one. Conditions use the importer's <condition> grammar.
import { InputError } from '../scenarios/index.js';
import { parseConditionElement } from './import/condition-xml.js';
import { Where } from './import/where.js';
import { parseXml, type XmlElement } from './import/xml-tree.js';
import type { Condition } from './model.js';

export interface DynamicVariableRule {
  condition?: Condition;
  variables: { name: string; value: string; secret: boolean }[];
}

/** The rules cannot be read; the step fails with this message. */
export class RulesError extends Error {}

const named = (el: XmlElement, name: string) => el.children.filter((c) => c.name.toLowerCase() === name.toLowerCase());

/** Parses the rules payload; throws RulesError naming what is wrong and where (line:column in the value). */
export function parseDynamicVariableRules(xml: string): DynamicVariableRule[] {
  try {
    const root = parseXml(xml, { file: 'OSDSetDynamicVariablesRules' });
    if (root.name !== 'Rules') throw new RulesError(`the rules have no <Rules> element (found <${root.name}>)`);
    const where = Where.root(undefined, root);
    return named(root, 'Rule').map((rule, i) => {
      const ruleWhere = where.child(rule, root.children.indexOf(rule), root.children);
      const conditionEl = named(rule, 'condition')[0];
      const condition = conditionEl ? parseConditionElement(conditionEl, ruleWhere.child(conditionEl, rule.children.indexOf(conditionEl), rule.children)) : undefined;
      const variables = named(rule, 'Variables').flatMap((v) => named(v, 'Variable'));
      return {
        ...(condition ? { condition } : {}),
        variables: variables.map((v) => {
          const name = v.attributes.Name ?? v.attributes.name;
          if (!name) throw new RulesError(`rule ${i + 1}: a <Variable> has no Name attribute`);
          return { name, value: v.text.trim(), secret: (v.attributes.IsSecret ?? 'false').toLowerCase() === 'true' };
        }),
      };
    });
  } catch (err) {
    if (err instanceof InputError) throw new RulesError(err.message);
    throw err;
  }
}
