// Set Dynamic Variables: applies the rules in order; writes beat computer and collection variables.
import { evaluateCondition } from '../conditions.js';
import { parseDynamicVariableRules, RulesError } from '../dynamic-variables.js';
import { VariableRuleError } from '../variables.js';
import { catalogue, failure } from './common.js';
import { WIN32, type ActionModule } from './types.js';

export const setDynamicVariables: ActionModule = {
  stepType: catalogue('SMS_TaskSequence_SetDynamicVariablesAction'),
  environments: ['WinPE', 'FullOS'],
  async run(ctx) {
    let rules;
    try {
      rules = parseDynamicVariableRules(ctx.variable('OSDSetDynamicVariablesRules') ?? '<Rules/>');
    } catch (err) {
      if (err instanceof RulesError) return failure(`OSDSetDynamicVariablesRules: ${err.message}`, WIN32.invalidParameter);
      throw err;
    }
    for (const [i, rule] of rules.entries()) {
      const outcome = await evaluateCondition(rule.condition, {
        variable: (n) => ctx.variable(n),
        expand: (t) => ctx.expand(t),
        machine: ctx.machine,
        facts: ctx.facts,
        signal: ctx.signal,
      });
      for (const line of outcome.log) ctx.log.verbose(line, 'setdynamicvariables.cpp:146', 'OSDSetDynamicVariables');
      if (outcome.error) return failure(`Rule ${i + 1}: ${outcome.error}`);
      if (!outcome.value) continue;
      for (const v of rule.variables) {
        try {
          ctx.setVariable(v.name, v.value, v.secret);
        } catch (err) {
          if (err instanceof VariableRuleError) return failure(`Rule ${i + 1}: ${err.message}`, WIN32.invalidParameter);
          throw err;
        }
        ctx.log.info(`Setting ${v.name} = ${v.secret ? '(secret)' : v.value}`, 'setdynamicvariables.cpp:180', 'OSDSetDynamicVariables');
      }
    }
    return { exitCode: 0 };
  },
};
